//! An interactive test kernel for `x86_64-unknown-none`, booted by QEMU `-kernel` (PVH) with
//! `-serial stdio`. It talks on COM1:
//!
//! ```text
//! echo kernel ready
//! echo> Hello                 <- the line typed (echoed back as it arrives)
//! reversed: olleH (5 bytes)
//! echo> quit
//! bye
//! ```
//!
//! A line ends at '\r' (what Enter sends through QEMU's stdio) or '\n' ("\r\n" counts once).
//! `quit` exits QEMU through `isa-debug-exit` with 0x10 (QEMU status 33). With the `no-prompt`
//! feature it prints its first line and then never prompts nor reads.

#![no_std]
#![no_main]

mod boot;

use core::arch::asm;
use core::fmt::{self, Write};
use core::panic::PanicInfo;

/// Called by the boot code, in 64-bit mode with the first GiB identity-mapped.
#[no_mangle]
pub extern "C" fn kmain() -> ! {
    serial_init();
    println!("echo kernel ready");
    if cfg!(feature = "no-prompt") {
        halt_forever()
    }
    let mut buf = [0u8; 256];
    let mut after_cr = false;
    loop {
        print!("echo> ");
        let len = read_line(&mut buf, &mut after_cr);
        let line = core::str::from_utf8(&buf[..len]).unwrap_or("<not UTF-8>");
        if line == "quit" {
            println!("bye");
            exit_qemu(QemuExit::Success)
        }
        print!("reversed: ");
        for c in line.chars().rev() {
            print!("{c}");
        }
        println!(" ({len} bytes)");
    }
}

/// Reads one line into `buf` (echoing it), without its end; returns its length. A line longer
/// than `buf` is cut.
fn read_line(buf: &mut [u8], after_cr: &mut bool) -> usize {
    let mut len = 0;
    loop {
        let b = serial_read_byte();
        if b == b'\n' && *after_cr {
            // The '\n' of a "\r\n": the line already ended at the '\r'.
            *after_cr = false;
            continue;
        }
        *after_cr = b == b'\r';
        if b == b'\r' || b == b'\n' {
            serial_write_bytes(b"\n");
            return len;
        }
        if len < buf.len() {
            buf[len] = b;
            len += 1;
            serial_write_byte(b);
        }
    }
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("{}", info);
    exit_qemu(QemuExit::Failure)
}

// ---------------------------------------------------------------------------
// Port I/O
// ---------------------------------------------------------------------------

unsafe fn outb(port: u16, value: u8) {
    asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack, preserves_flags));
}

unsafe fn outl(port: u16, value: u32) {
    asm!("out dx, eax", in("dx") port, in("eax") value, options(nomem, nostack, preserves_flags));
}

unsafe fn inb(port: u16) -> u8 {
    let value: u8;
    asm!("in al, dx", out("al") value, in("dx") port, options(nomem, nostack, preserves_flags));
    value
}

// ---------------------------------------------------------------------------
// Serial port (COM1, 16550 UART)
// ---------------------------------------------------------------------------

const COM1: u16 = 0x3f8;
/// Line status register: bit 0 "data ready", bit 5 "transmit holding register empty".
const LSR: u16 = COM1 + 5;

/// Sets COM1 to 115200 baud, 8 data bits, no parity, one stop bit, FIFOs on, no interrupts
/// (the kernel polls).
fn serial_init() {
    unsafe {
        outb(COM1 + 1, 0x00); // no interrupts
        outb(COM1 + 3, 0x80); // DLAB on: the next two writes set the divisor
        outb(COM1 + 0, 0x01); // divisor 1 = 115200 baud
        outb(COM1 + 1, 0x00);
        outb(COM1 + 3, 0x03); // DLAB off, 8N1
        outb(COM1 + 2, 0xc7); // enable and clear the FIFOs
        outb(COM1 + 4, 0x03); // DTR | RTS
    }
}

/// Waits for a received byte (LSR bit 0) and takes it from the receive buffer.
fn serial_read_byte() -> u8 {
    unsafe {
        while inb(LSR) & 0x01 == 0 {
            core::hint::spin_loop();
        }
        inb(COM1)
    }
}

fn serial_write_byte(byte: u8) {
    unsafe {
        while inb(LSR) & 0x20 == 0 {
            core::hint::spin_loop();
        }
        outb(COM1, byte);
    }
}

fn serial_write_bytes(bytes: &[u8]) {
    for &byte in bytes {
        serial_write_byte(byte);
    }
}

struct Serial;

impl Write for Serial {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        serial_write_bytes(s.as_bytes());
        Ok(())
    }
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::Serial, format_args!($($arg)*));
    }};
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => {{
        $crate::print!($($arg)*);
        $crate::print!("\n");
    }};
}

// ---------------------------------------------------------------------------
// Ways to stop
// ---------------------------------------------------------------------------

/// Values for the `isa-debug-exit` device (`iobase=0xf4`). Writing `v` makes QEMU exit with
/// status `(v << 1) | 1`.
#[repr(u32)]
enum QemuExit {
    Success = 0x10, // QEMU exit status 33
    Failure = 0x11, // QEMU exit status 35
}

fn exit_qemu(code: QemuExit) -> ! {
    unsafe { outl(0xf4, code as u32) };
    halt_forever()
}

/// `hlt` with interrupts off: nothing wakes the CPU up again.
fn halt_forever() -> ! {
    loop {
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}
