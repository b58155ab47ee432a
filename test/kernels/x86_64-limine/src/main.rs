//! A Limine kernel built with the `limine` crate (https://github.com/jasondyoungberg/limine-rs):
//! a base revision tag and a request between the start and end markers, as Limine's Rust template
//! writes them. It prints on COM1 and reports through isa-debug-exit (0x10: QEMU status 33), as the
//! action's other x86_64 kernels do.
#![no_std]
#![no_main]

use core::arch::asm;
use limine::request::{HhdmRequest, RequestsEndMarker, RequestsStartMarker};
use limine::BaseRevision;

#[used]
#[link_section = ".requests"]
static BASE_REVISION: BaseRevision = BaseRevision::new();

#[used]
#[link_section = ".requests"]
static HHDM: HhdmRequest = HhdmRequest::new();

#[used]
#[link_section = ".requests_start_marker"]
static _START: RequestsStartMarker = RequestsStartMarker::new();

#[used]
#[link_section = ".requests_end_marker"]
static _END: RequestsEndMarker = RequestsEndMarker::new();

fn outb(port: u16, value: u8) {
    unsafe { asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack, preserves_flags)) };
}

fn print(s: &str) {
    for b in s.bytes() {
        outb(0x3f8, b);
    }
}

fn exit(value: u8) -> ! {
    outb(0xf4, value);
    loop {
        unsafe { asm!("cli; hlt") };
    }
}

#[no_mangle]
extern "C" fn kmain() -> ! {
    if !BASE_REVISION.is_supported() {
        print("the Limine base revision this kernel asks for is not supported\n");
        exit(0x11);
    }
    print("Hello from a Limine kernel!\n");
    // A response from Limine: the request was found and answered.
    if HHDM.get_response().is_none() {
        print("no HHDM response from Limine\n");
        exit(0x11);
    }
    print("all tests passed\n");
    exit(0x10)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    print("panicked at ");
    if let Some(l) = info.location() {
        print(l.file());
    }
    print("\n");
    exit(0x11)
}
