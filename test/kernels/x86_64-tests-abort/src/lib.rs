//! A kernel library with a test suite, laid out as in blog_os
//! (https://os.phil-opp.com/testing/): a custom test framework prints
//! `name...\t[ok]` per test over the serial port and exits QEMU through
//! isa-debug-exit (0x10: QEMU status 33; 0x11 after a failure: status 35).
//! A failing test prints `[failed]` and the panic, `Error: panicked at
//! FILE:LINE:COL:` with the message on the next line.

#![no_std]
#![cfg_attr(test, no_main)]
#![feature(custom_test_frameworks)]
#![test_runner(crate::test_runner)]
#![reexport_test_harness_main = "test_main"]

pub mod boot;
pub mod serial;

use core::arch::asm;
use core::panic::PanicInfo;

/// Values for the `isa-debug-exit` device (`iobase=0xf4`): QEMU exits with
/// status `(value << 1) | 1`. The `success-0x20` feature moves success to
/// 0x20 (QEMU status 65), for a crate that declares it in
/// `[package.metadata.bootimage] test-success-exit-code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum QemuExitCode {
    Success = if cfg!(feature = "success-0x20") { 0x20 } else { 0x10 },
    Failed = 0x11,
}

pub fn exit_qemu(code: QemuExitCode) -> ! {
    #[cfg(feature = "jump-to-nowhere")]
    if matches!(code, QemuExitCode::Success) {
        jump_to_nowhere();
    }
    unsafe { asm!("out dx, eax", in("dx") 0xf4u16, in("eax") code as u32, options(nomem, nostack, preserves_flags)) };
    // Still running: no isa-debug-exit device. Stop here instead.
    loop {
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}

/// `jump-to-nowhere`: instead of reporting success, a jump to 16 bytes below
/// 1 GiB, where the machine has neither RAM nor ROM. Under KVM the instruction
/// fetch has nothing to read: KVM exits with an internal error (emulation
/// failure) and QEMU pauses the guest. Under TCG the empty bus reads as zeros
/// (`add [rax], al`, rax at a scratch byte) until execution reaches the
/// unmapped second GiB: a page fault with no IDT, a triple fault, a reset.
#[cfg(feature = "jump-to-nowhere")]
fn jump_to_nowhere() -> ! {
    #[repr(C, packed)]
    struct Idtr {
        limit: u16,
        base: u64,
    }
    static EMPTY_IDT: Idtr = Idtr { limit: 0, base: 0 };
    static mut SCRATCH: u8 = 0;
    unsafe {
        asm!(
            "lidt [{idt}]",
            "jmp {to}",
            idt = in(reg) &EMPTY_IDT,
            to = in(reg) 0x3fff_fff0u64,
            in("rax") core::ptr::addr_of_mut!(SCRATCH),
            options(noreturn)
        );
    }
}

/// A test case that prints its own name around its run.
pub trait Testable {
    fn run(&self);
}

impl<T: Fn()> Testable for T {
    fn run(&self) {
        serial_print!("{}...\t", core::any::type_name::<T>());
        self();
        serial_println!("[ok]");
    }
}

pub fn test_runner(tests: &[&dyn Testable]) -> ! {
    serial_println!("Running {} tests", tests.len());
    for test in tests {
        test.run();
    }
    exit_qemu(QemuExitCode::Success)
}

pub fn test_panic_handler(info: &PanicInfo) -> ! {
    serial_println!("[failed]\n");
    serial_println!("Error: {}\n", info);
    exit_qemu(QemuExitCode::Failed)
}

/// Something for the tests to test.
pub fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[cfg(test)]
entry_point!(test_kernel_main);

#[cfg(test)]
fn test_kernel_main() -> ! {
    test_main();
    // The runner exits QEMU itself; getting here means it did not.
    exit_qemu(QemuExitCode::Failed)
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
    fn exit_codes() {
        assert_eq!(QemuExitCode::Failed as u32, 0x11);
    }
}
