//! Start-up code, as in examples/thumbv7m-none-eabi: the vector table, the
//! reset handler and a fault handler, and the `entry!` macro that names the
//! function reset calls.
//!
//! Every test executable is a kernel of its own. The table and `reset` are
//! here, once, and linker.ld's `EXTERN(__vector_table)` links them into each
//! executable (no test references the table, and the linker takes an object
//! out of the library's archive only for a symbol that is needed). What differs per
//! executable is its main function: each one expands `entry!` once, which
//! defines the `kmain` symbol `reset` calls (cortex-m-rt's `#[entry]` does the
//! same with `main`: https://docs.rs/cortex-m-rt/latest/cortex_m_rt/attr.entry.html).
//!
//! 1. The CPU loads the stack pointer and the reset handler's address from
//!    the vector table at the start of flash.
//! 2. `reset` zeroes .bss, copies .data to RAM and calls `kmain`.
//! 3. Any other exception (a HardFault from `udf`, a bad access) goes to
//!    [`on_fault`], which reports it and fails.

use core::arch::global_asm;

global_asm!(
    r#"
/* The vector table: initial stack pointer, reset, then the 14 system
 * exceptions (NMI, HardFault, ...), which all report a fault. */
.section .vector_table, "a"
.global __vector_table
__vector_table:
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

/// Defines this executable's entry point, `kmain`, which `reset` calls:
/// `$main` must be a `fn() -> !`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        pub extern "C" fn kmain() -> ! {
            let main: fn() -> ! = $main;
            main()
        }
    };
}

/// Any exception other than reset: report it and fail.
#[no_mangle]
pub extern "C" fn on_fault() -> ! {
    crate::println!("fault: unexpected exception");
    crate::exit(false)
}
