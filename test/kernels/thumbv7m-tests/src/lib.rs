//! A Cortex-M kernel library with a test suite, laid out as in blog_os
//! (https://os.phil-opp.com/testing/): a custom test framework prints
//! `name...\t[ok]` per test on the semihosting console and ends QEMU with
//! semihosting SYS_EXIT (status 0; status 1 after a failure). A failing test
//! prints `[failed]` and the panic, `Error: panicked at FILE:LINE:COL:` with
//! the message on the next line.
//!
//! Built for thumbv7m-none-eabi and booted with `qemu-system-arm -machine
//! lm3s6965evb -semihosting-config enable=on,target=native -kernel <elf>`.

#![no_std]
#![cfg_attr(test, no_main)]
#![feature(custom_test_frameworks)]
#![test_runner(crate::test_runner)]
#![reexport_test_harness_main = "test_main"]

pub mod rt;
pub mod semihosting;

use core::panic::PanicInfo;

pub use semihosting::exit;

/// A test case that prints its own name around its run.
pub trait Testable {
    fn run(&self);
}

impl<T: Fn()> Testable for T {
    fn run(&self) {
        print!("{}...\t", core::any::type_name::<T>());
        self();
        println!("[ok]");
    }
}

pub fn test_runner(tests: &[&dyn Testable]) -> ! {
    println!("Running {} tests", tests.len());
    for test in tests {
        test.run();
    }
    exit(true)
}

/// For a test executable's `#[panic_handler]`: the running case failed.
pub fn test_panic_handler(info: &PanicInfo) -> ! {
    println!("[failed]\n");
    println!("Error: {}\n", info);
    exit(false)
}

/// Something for the tests to test.
pub fn add(a: u32, b: u32) -> u32 {
    a + b
}

/// The CPUID base register of the System Control Block (Armv7-M
/// Architecture Reference Manual, B3.2.3): implementer in bits 31:24 (0x41,
/// Arm), part number in bits 15:4 (0xC23 for a Cortex-M3).
pub fn cpuid() -> u32 {
    unsafe { core::ptr::read_volatile(0xE000_ED00 as *const u32) }
}

#[cfg(test)]
entry!(test_kernel_main);

#[cfg(test)]
fn test_kernel_main() -> ! {
    test_main();
    // The runner exits QEMU itself; getting here means it did not.
    exit(false)
}

#[cfg(test)]
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    test_panic_handler(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test_case]
    fn adds() {
        assert_eq!(add(2, 2), 4);
    }

    #[test_case]
    fn exit_reasons() {
        assert_eq!(semihosting::ADP_STOPPED_APPLICATION_EXIT, 0x20026);
        assert_eq!(semihosting::ADP_STOPPED_RUN_TIME_ERROR, 0x20023);
    }
}
