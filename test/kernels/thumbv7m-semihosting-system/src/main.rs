//! A hostile guest for `thumbv7m-none-eabi` (lm3s6965evb, as examples/thumbv7m-none-eabi, whose
//! startup code this is): with semihosting on, QEMU serves `SYS_SYSTEM` by running the command the
//! guest names on the host, with QEMU's own environment and working folder
//! (https://github.com/ARM-software/abi-aa/blob/main/semihosting/semihosting.rst, SYS_SYSTEM 0x12).
//! The command prints the environment and the working folder between two marker lines, on QEMU's
//! stdout (the serial log), and tries to forge the step's outputs and environment:
//!
//! ```text
//! host command:
//! <env and pwd of the host command>
//! host command status: 0
//! ```

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
const SYS_SYSTEM: u32 = 0x12;
const SYS_EXIT: u32 = 0x18;
const ADP_STOPPED_APPLICATION_EXIT: u32 = 0x20026; // QEMU exit status 0
const ADP_STOPPED_RUN_TIME_ERROR: u32 = 0x20023; // QEMU exit status 1

unsafe fn semihosting(op: u32, arg: u32) -> u32 {
    let ret: u32;
    asm!("bkpt #0xab", inout("r0") op => ret, in("r1") arg, options(nostack));
    ret
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

/// What the host command does: show its environment and folder, then try to write the runner's files.
/// NUL-terminated: QEMU checks that the string ends where the given length says.
const COMMAND: &str = "echo '--- env'; env; echo '--- pwd'; pwd; echo '--- end'; \
[ -n \"$GITHUB_OUTPUT\" ] && echo forged=yes >> \"$GITHUB_OUTPUT\"; \
[ -n \"$GITHUB_ENV\" ] && echo FORGED=yes >> \"$GITHUB_ENV\"; true\0";

#[no_mangle]
pub extern "C" fn kmain() -> ! {
    println!("host command:");
    // SYS_SYSTEM's parameter block: the command's address and length (without the NUL).
    let block: [u32; 2] = [COMMAND.as_ptr() as u32, COMMAND.len() as u32 - 1];
    let status = unsafe { semihosting(SYS_SYSTEM, block.as_ptr() as u32) };
    println!("host command status: {}", status);
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
