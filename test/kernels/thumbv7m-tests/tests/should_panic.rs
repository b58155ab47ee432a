//! A should-panic test without a test framework (`harness = false` in
//! Cargo.toml, as in blog_os): it passes by panicking, and fails when the
//! code under test does not panic.

#![no_std]
#![no_main]

use core::panic::PanicInfo;
use cortex_m_suite::{exit, print, println};

cortex_m_suite::entry!(main);

fn main() -> ! {
    should_fail();
    println!("[test did not panic]");
    exit(false)
}

fn should_fail() {
    print!("should_panic::should_fail...\t");
    assert_eq!(0, 1);
}

#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    println!("[ok]");
    exit(true)
}
