//! STAND-IN for rust-osdev/bootloader's UEFI stage (tests only; see ../../README.md): a UEFI
//! application that prints one line on COM1 and exits QEMU through isa-debug-exit 0x10. It does
//! not load the kernel. build.rs builds it for x86_64-unknown-uefi; `UefiBoot::create_disk_image`
//! writes the kernel's size over the placeholder in MESSAGE and puts it on a FAT image as
//! EFI/BOOT/BOOTX64.EFI.

#![no_std]
#![no_main]

use core::arch::asm;
use core::ffi::c_void;

/// The line, NUL-ended; `#` marks the place of the kernel's size (create_disk_image fills it in).
#[used]
static MESSAGE: [u8; 80] = *b"stand-in bootloader UEFI image: kernel of ################ bytes\r\n\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

fn outb(port: u16, value: u8) {
    unsafe { asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack)) };
}

#[no_mangle]
pub extern "efiapi" fn efi_main(_image: *mut c_void, _system_table: *mut c_void) -> usize {
    for i in 0..MESSAGE.len() {
        // Volatile: the bytes are read from the image (patched after the build), never folded in.
        let b = unsafe { core::ptr::read_volatile(&MESSAGE[i]) };
        if b == 0 {
            break;
        }
        if b != b'#' {
            outb(0x3f8, b);
        }
    }
    unsafe { asm!("out dx, eax", in("dx") 0xf4u16, in("eax") 0x10u32, options(nomem, nostack)) };
    loop {
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
