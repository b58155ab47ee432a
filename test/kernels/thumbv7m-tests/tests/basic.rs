//! Boots and runs two passing cases with the library's test runner.

#![no_std]
#![no_main]
#![feature(custom_test_frameworks)]
#![test_runner(cortex_m_suite::test_runner)]
#![reexport_test_harness_main = "test_main"]

use core::arch::asm;
use core::panic::PanicInfo;
use cortex_m_suite::{exit, println};

cortex_m_suite::entry!(main);

fn main() -> ! {
    test_main();
    exit(false)
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    cortex_m_suite::test_panic_handler(info)
}

#[test_case]
fn prints() {
    println!("printing from a test");
}

/// Reset leaves the CPU in Thread mode: IPSR (the number of the exception
/// being handled) reads 0.
#[test_case]
fn runs_in_thread_mode() {
    let ipsr: u32;
    unsafe { asm!("mrs {}, IPSR", out(reg) ipsr, options(nomem, nostack, preserves_flags)) };
    assert_eq!(ipsr & 0x1ff, 0);
}
