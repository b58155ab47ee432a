//! A should-panic test without a test framework (`harness = false` in
//! Cargo.toml, as in blog_os): it passes by panicking, and fails when the
//! code under test does not panic.

#![no_std]
#![no_main]

use core::panic::PanicInfo;
use tested_kernel::{exit_qemu, serial_print, serial_println, QemuExitCode};

tested_kernel::entry_point!(main);

fn main() -> ! {
    should_fail();
    serial_println!("[test did not panic]");
    exit_qemu(QemuExitCode::Failed)
}

fn should_fail() {
    serial_print!("should_panic::should_fail...\t");
    assert_eq!(0, 1);
}

#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    serial_println!("[ok]");
    exit_qemu(QemuExitCode::Success)
}
