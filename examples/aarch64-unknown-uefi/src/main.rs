//! A minimal UEFI application for `aarch64-unknown-uefi`.
//!
//! The build produces `hello-uefi-aarch64.efi`. The action copies it to
//! `EFI/BOOT/BOOTAA64.EFI` on a FAT folder that QEMU shows as a disk, and boots
//! the virt board with AAVMF (`QEMU_EFI.fd`, UEFI firmware), which starts it. It prints two lines on the UEFI
//! console (OVMF mirrors it on the serial port) and exits QEMU:
//!
//! ```text
//! Hello from aarch64-unknown-uefi!
//! all tests passed
//! ```
//!
//! It ends QEMU with semihosting `SYS_EXIT`: code 0 on success (QEMU exit
//! status 0), 1 after a panic. QEMU must run with
//! `-semihosting-config enable=on,target=native`.

#![no_std]
#![no_main]

use core::arch::asm;
use core::ffi::c_void;
use core::fmt::{self, Write};
use core::panic::PanicInfo;

// ---------------------------------------------------------------------------
// The UEFI types this app uses (UEFI specification 2.10, section 4.3 and 12.4)
// ---------------------------------------------------------------------------

type Status = usize;

#[repr(C)]
struct TableHeader {
    signature: u64,
    revision: u32,
    header_size: u32,
    crc32: u32,
    reserved: u32,
}

#[repr(C)]
pub struct SystemTable {
    hdr: TableHeader,
    firmware_vendor: *const u16,
    firmware_revision: u32,
    console_in_handle: *mut c_void,
    con_in: *mut c_void,
    console_out_handle: *mut c_void,
    con_out: *mut SimpleTextOutput,
    // More fields follow; this app does not use them.
}

#[repr(C)]
struct SimpleTextOutput {
    reset: extern "efiapi" fn(*mut SimpleTextOutput, bool) -> Status,
    output_string: extern "efiapi" fn(*mut SimpleTextOutput, *const u16) -> Status,
    // More functions follow; this app does not use them.
}

// ---------------------------------------------------------------------------
// The UEFI console (ConOut), which takes NUL-terminated UCS-2 strings
// ---------------------------------------------------------------------------

static mut CON_OUT: *mut SimpleTextOutput = core::ptr::null_mut();

struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let out = unsafe { CON_OUT };
        if out.is_null() {
            return Err(fmt::Error);
        }
        // Convert in small chunks; '\n' becomes "\r\n" as the console expects.
        let mut buf = [0u16; 64];
        let mut n = 0;
        for c in s.chars() {
            if c == '\n' {
                buf[n] = '\r' as u16;
                n += 1;
            }
            buf[n] = if (c as u32) < 0x10000 { c as u16 } else { '?' as u16 };
            n += 1;
            if n >= buf.len() - 3 {
                buf[n] = 0;
                unsafe { ((*out).output_string)(out, buf.as_ptr()) };
                n = 0;
            }
        }
        buf[n] = 0;
        unsafe { ((*out).output_string)(out, buf.as_ptr()) };
        Ok(())
    }
}

macro_rules! println {
    ($($arg:tt)*) => {{
        let _ = writeln!(Console, $($arg)*);
    }};
}

// ---------------------------------------------------------------------------
// Leaving QEMU: semihosting SYS_EXIT
// ---------------------------------------------------------------------------

const SYS_EXIT: u64 = 0x18;
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

/// Ends QEMU with exit status `code` (0 = success).
fn exit_qemu(code: u32) -> ! {
    // On AArch64, SYS_EXIT takes a pointer to [reason, exit code].
    let block: [u64; 2] = [ADP_STOPPED_APPLICATION_EXIT, code as u64];
    unsafe {
        asm!("hlt #0xf000", in("w0") SYS_EXIT as u32, in("x1") block.as_ptr(), options(nostack));
    }
    // Still running: semihosting is off. Stop here instead.
    loop {
        unsafe { asm!("wfe", options(nomem, nostack)) };
    }
}

// ---------------------------------------------------------------------------
// The application
// ---------------------------------------------------------------------------

/// The entry point the firmware calls.
#[no_mangle]
pub extern "efiapi" fn efi_main(_image: *mut c_void, system_table: *mut SystemTable) -> Status {
    unsafe { CON_OUT = (*system_table).con_out };

    println!("Hello from aarch64-unknown-uefi!");

    // A real application (or its test suite) would run here.
    assert_eq!(2 + 2, 4);

    println!("all tests passed");
    exit_qemu(0)
}

/// Prints `panicked at src/main.rs:LINE:COL:` and the message, then exits
/// QEMU with status 1.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("{}", info);
    exit_qemu(1)
}
