//! One passing and one failing case (the test framework runs them in name
//! order; the run stops at the failure). The failing assertion must stay on
//! line 28: the action's tests look for `panicked at tests/failing.rs:28:5`.

#![no_std]
#![no_main]
#![feature(custom_test_frameworks)]
#![test_runner(tested_kernel::test_runner)]
#![reexport_test_harness_main = "test_main"]

use core::panic::PanicInfo;
use tested_kernel::{exit_qemu, QemuExitCode};

tested_kernel::entry_point!(main);

fn main() -> ! {
    test_main();
    exit_qemu(QemuExitCode::Failed)
}

#[test_case]
fn adds_correctly() {
    assert_eq!(tested_kernel::add(2, 3), 5);
}

#[test_case]
fn arithmetic_is_wrong() {
    assert_eq!(tested_kernel::add(2, 2), 5, "2 + 2 should be 5");
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    tested_kernel::test_panic_handler(info)
}
