//! A minimal kernel for a Cortex-M33 with FPU (`thumbv8m.main-none-eabihf`:
//! Armv8-M Mainline, hardware floating point).
//!
//! It boots under `qemu-system-arm -machine mps2-an505 -kernel`, prints two
//! lines and exits QEMU, both through semihosting:
//!
//! ```text
//! Hello from thumbv8m.main-none-eabihf!
//! all tests passed
//! ```
//!
//! 1. The CPU starts in the Secure state and loads the stack pointer and the
//!    reset handler's address from the vector table at 0x1000_0000 (the
//!    board's Secure vector table address).
//! 2. `reset` turns the FPU on, zeroes .bss, copies .data to RAM and calls
//!    [`kmain`].
//! 3. [`kmain`] prints with semihosting `SYS_WRITEC` and ends with `SYS_EXIT`:
//!    success gives QEMU exit status 0, a panic or a fault status 1. QEMU must
//!    run with `-semihosting-config enable=on,target=native`.

#![no_std]
#![no_main]

use core::arch::{asm, global_asm};
use core::fmt::{self, Write};
use core::panic::PanicInfo;

global_asm!(
    r#"
/* The vector table: initial stack pointer, reset, then the 14 system
 * exceptions (NMI, HardFault, ...), which all report a fault. */
.section .vector_table, "a"
.word __stack_top
.word reset
.rept 14
.word fault
.endr

.section .text.reset, "ax"
.global reset
.thumb_func
reset:
    /* Turn the FPU on (CPACR: full access to CP10 and CP11): the -eabihf
     * ABI passes floats in FPU registers. */
    ldr r0, =0xE000ED88
    ldr r1, [r0]
    orr r1, r1, #(0xF << 20)
    str r1, [r0]
    dsb
    isb
    /* Zero .bss. */
    ldr r0, =__bss_start
    ldr r1, =__bss_end
    movs r2, #0
1:  cmp r0, r1
    bhs 2f
    str r2, [r0]
    adds r0, r0, #4
    b 1b
    /* Copy .data's initial values from flash. */
2:  ldr r0, =__data_start
    ldr r1, =__data_end
    ldr r2, =__data_load
3:  cmp r0, r1
    bhs 4f
    ldr r3, [r2]
    str r3, [r0]
    adds r0, r0, #4
    adds r2, r2, #4
    b 3b
4:  bl kmain

.thumb_func
fault:
    bl on_fault
"#
);

// ---------------------------------------------------------------------------
// Semihosting: the debugger (here QEMU) serves requests made with `bkpt 0xab`
// ---------------------------------------------------------------------------

const SYS_WRITEC: u32 = 0x03;
const SYS_EXIT: u32 = 0x18;
const ADP_STOPPED_APPLICATION_EXIT: u32 = 0x20026; // QEMU exit status 0
const ADP_STOPPED_RUN_TIME_ERROR: u32 = 0x20023; // QEMU exit status 1

unsafe fn semihosting(op: u32, arg: u32) {
    asm!("bkpt #0xab", inout("r0") op => _, in("r1") arg, options(nostack));
}

/// Writes to QEMU's semihosting console, one byte at a time.
struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            unsafe { semihosting(SYS_WRITEC, &byte as *const u8 as u32) };
        }
        Ok(())
    }
}

macro_rules! println {
    ($($arg:tt)*) => {{
        let _ = writeln!(Console, $($arg)*);
    }};
}

/// Ends QEMU: status 0 for success, 1 for failure.
fn exit_qemu(success: bool) -> ! {
    let reason = if success { ADP_STOPPED_APPLICATION_EXIT } else { ADP_STOPPED_RUN_TIME_ERROR };
    unsafe { semihosting(SYS_EXIT, reason) };
    loop {
        unsafe { asm!("wfi", options(nomem, nostack)) };
    }
}

// ---------------------------------------------------------------------------
// The kernel
// ---------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn kmain() -> ! {
    println!("Hello from thumbv8m.main-none-eabihf!");

    // A real kernel (or its test suite) would run here.
    assert_eq!(2 + 2, 4);
    assert_eq!(core::hint::black_box(1.5f32) * 2.0, 3.0); // on the FPU

    println!("all tests passed");
    exit_qemu(true)
}

/// Any exception other than reset: report it and fail.
#[no_mangle]
pub extern "C" fn on_fault() -> ! {
    println!("fault: unexpected exception");
    exit_qemu(false)
}

/// Prints `panicked at src/main.rs:LINE:COL:` and the message, then fails.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("{}", info);
    exit_qemu(false)
}
