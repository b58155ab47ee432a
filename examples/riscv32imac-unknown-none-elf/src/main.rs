//! A minimal kernel for `riscv32imac-unknown-none-elf` (and other `riscv32*-unknown-none-elf`).
//!
//! It boots under `qemu-system-riscv32 -machine virt -bios none -kernel`, prints
//! two lines to the NS16550 UART and tells QEMU to exit through the test finisher:
//!
//! ```text
//! Hello from riscv32imac-unknown-none-elf!
//! all tests passed
//! ```
//!
//! 1. With `-bios none` there is no firmware (Debian ships no 32-bit OpenSBI):
//!    QEMU's reset code jumps to `_start` at 0x8000_0000 in machine mode
//!    (a0 = hart id, a1 = device tree).
//! 2. `_start` sets the stack, zeroes .bss and calls [`kmain`].
//! 3. [`kmain`] prints and writes "pass" to the virt board's test finisher
//!    (QEMU exit status 0); a panic writes "fail, code 1" (QEMU status 1).

#![no_std]
#![no_main]

use core::arch::global_asm;
use core::fmt::{self, Write};
use core::panic::PanicInfo;

global_asm!(
    r#"
.section .text.boot, "ax"
.global _start
_start:
    /* Only hart 0 runs the kernel; the others wait forever. */
    csrr t0, mhartid
    bnez t0, 3f

    la sp, __stack_top

    /* Zero .bss. */
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  call kmain
3:  wfi
    j 3b
"#
);

// ---------------------------------------------------------------------------
// NS16550 UART at 0x1000_0000 (the virt board's first serial port)
// ---------------------------------------------------------------------------

const UART0: usize = 0x1000_0000;
const UART_THR: usize = 0; // transmit holding register
const UART_LSR: usize = 5; // line status register
const UART_LSR_THRE: u8 = 1 << 5; // transmit holding register empty

fn uart_write_byte(byte: u8) {
    unsafe {
        while core::ptr::read_volatile((UART0 + UART_LSR) as *const u8) & UART_LSR_THRE == 0 {
            core::hint::spin_loop();
        }
        core::ptr::write_volatile((UART0 + UART_THR) as *mut u8, byte);
    }
}

/// A zero-sized handle to the UART that `write!` can format into.
struct Uart;

impl Write for Uart {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            uart_write_byte(byte);
        }
        Ok(())
    }
}

macro_rules! println {
    ($($arg:tt)*) => {{
        let _ = writeln!(Uart, $($arg)*);
    }};
}

// ---------------------------------------------------------------------------
// Leaving QEMU: the virt board's test finisher at 0x10_0000
// ---------------------------------------------------------------------------

const FINISHER: usize = 0x10_0000;
const FINISHER_PASS: u32 = 0x5555; // QEMU exits with status 0
const FINISHER_FAIL: u32 = 0x3333; // QEMU exits with status `code` from (code << 16) | 0x3333

/// Ends QEMU: code 0 is a pass (status 0), any other code a failure with that status.
fn exit_qemu(code: u16) -> ! {
    let value = if code == 0 { FINISHER_PASS } else { (code as u32) << 16 | FINISHER_FAIL };
    unsafe { core::ptr::write_volatile(FINISHER as *mut u32, value) };
    // Still running: no finisher. Stop here instead.
    loop {
        unsafe { core::arch::asm!("wfi", options(nomem, nostack)) };
    }
}

// ---------------------------------------------------------------------------
// The kernel
// ---------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn kmain() -> ! {
    println!("Hello from riscv32imac-unknown-none-elf!");

    // A real kernel (or its test suite) would run here.
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
