//! Boots and runs two passing cases with the library's test runner.

#![no_std]
#![no_main]
#![feature(custom_test_frameworks)]
#![test_runner(tested_kernel::test_runner)]
#![reexport_test_harness_main = "test_main"]

use core::panic::PanicInfo;
use tested_kernel::{exit_qemu, serial_println, QemuExitCode};

tested_kernel::entry_point!(main);

fn main() -> ! {
    test_main();
    exit_qemu(QemuExitCode::Failed)
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    tested_kernel::test_panic_handler(info)
}

#[test_case]
fn prints() {
    serial_println!("printing from a test");
}

#[test_case]
fn adds_large() {
    assert_eq!(tested_kernel::add(1 << 40, 1), (1 << 40) + 1);
}
