//! A minimal kernel for `aarch64-unknown-none` (and `aarch64-unknown-none-softfloat`).
//!
//! It boots under `qemu-system-aarch64 -machine virt -kernel`, prints two lines
//! to the PL011 UART and tells QEMU to exit through semihosting:
//!
//! ```text
//! Hello from aarch64-unknown-none!
//! all tests passed
//! ```
//!
//! 1. QEMU loads the ELF at 0x4008_0000 and starts `_start` at EL1, MMU off.
//! 2. `_start` turns on the FP/SIMD unit, sets the stack, zeroes .bss and
//!    calls [`kmain`].
//! 3. [`kmain`] prints and calls semihosting `SYS_EXIT` with code 0 (QEMU exit
//!    status 0); a panic exits with code 1. QEMU must run with
//!    `-semihosting-config enable=on,target=native`.

#![no_std]
#![no_main]

use core::arch::{asm, global_asm};
use core::fmt::{self, Write};
use core::panic::PanicInfo;

global_asm!(
    r#"
.section .text.boot, "ax"
.global _start
_start:
    /* Only the first CPU runs the kernel; the others wait forever. */
    mrs x0, mpidr_el1
    and x0, x0, #0xff
    cbnz x0, 2f

    /* Allow FP/SIMD at EL1 (CPACR_EL1.FPEN = 0b11): compiled code may use it. */
    mov x0, #(3 << 20)
    msr cpacr_el1, x0
    isb

    ldr x0, =__stack_top
    mov sp, x0

    /* Zero .bss. */
    ldr x0, =__bss_start
    ldr x1, =__bss_end
1:  cmp x0, x1
    b.hs 3f
    str xzr, [x0], #8
    b 1b
3:  bl kmain
2:  wfe
    b 2b
"#
);

// ---------------------------------------------------------------------------
// PL011 UART at 0x0900_0000 (the virt machine's first serial port)
// ---------------------------------------------------------------------------

const UART0: usize = 0x0900_0000;
const UART_DR: usize = 0x00; // data register
const UART_FR: usize = 0x18; // flag register
const UART_FR_TXFF: u32 = 1 << 5; // transmit FIFO full

fn uart_write_byte(byte: u8) {
    unsafe {
        while core::ptr::read_volatile((UART0 + UART_FR) as *const u32) & UART_FR_TXFF != 0 {
            core::hint::spin_loop();
        }
        core::ptr::write_volatile((UART0 + UART_DR) as *mut u32, byte as u32);
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
// The kernel
// ---------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn kmain() -> ! {
    println!("Hello from aarch64-unknown-none!");

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
