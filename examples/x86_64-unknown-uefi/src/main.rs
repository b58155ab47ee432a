//! A minimal UEFI application for `x86_64-unknown-uefi`.
//!
//! The build produces `hello-uefi.efi`. The action copies it to
//! `EFI/BOOT/BOOTX64.EFI` on a FAT folder that QEMU shows as a disk, and boots
//! OVMF (UEFI firmware), which starts it. It prints two lines on the UEFI
//! console (OVMF mirrors it on the serial port) and exits QEMU:
//!
//! ```text
//! Hello from x86_64-unknown-uefi!
//! all tests passed
//! ```
//!
//! Success writes 0x10 to the `isa-debug-exit` device at port 0xf4 (QEMU exit
//! status 33); a panic writes 0x11 (status 35).

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
// Leaving QEMU: isa-debug-exit at port 0xf4, status = (value << 1) | 1
// ---------------------------------------------------------------------------

fn exit_qemu(value: u32) -> ! {
    unsafe { asm!("out dx, eax", in("dx") 0xf4u16, in("eax") value, options(nomem, nostack)) };
    // Still running: no isa-debug-exit device. Stop here instead.
    loop {
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}

// ---------------------------------------------------------------------------
// The application
// ---------------------------------------------------------------------------

/// The entry point the firmware calls.
#[no_mangle]
pub extern "efiapi" fn efi_main(_image: *mut c_void, system_table: *mut SystemTable) -> Status {
    unsafe { CON_OUT = (*system_table).con_out };

    println!("Hello from x86_64-unknown-uefi!");

    // A real application (or its test suite) would run here.
    assert_eq!(2 + 2, 4);

    println!("all tests passed");
    exit_qemu(0x10) // QEMU exit status 33
}

/// Prints `panicked at src/main.rs:LINE:COL:` and the message, then exits
/// QEMU with status 35.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("{}", info);
    exit_qemu(0x11)
}
