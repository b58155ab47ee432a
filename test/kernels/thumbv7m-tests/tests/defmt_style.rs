//! A test in the style of defmt-test (`harness = false` in Cargo.toml), the
//! knurling-rs test harness for embedded targets, without its crates: the
//! same lines its `#[defmt_test::tests]` macro prints
//! (https://github.com/knurling-rs/defmt/blob/main/firmware/defmt-test/macros/src/lib.rs),
//! here on the semihosting console instead of through defmt's encoder:
//!
//! ```text
//! (1/3) running `reads_id`...
//! (2/3) ignoring `not_ready`...
//! (3/3) running `sums`...
//! all tests passed!
//! ```
//!
//! then SYS_EXIT with success, as defmt-test's `exit` does. A panic prints
//! `PanicInfo` as panic-probe does (`panicked at FILE:L:C:` and the message)
//! and fails.

#![no_std]
#![no_main]

use core::panic::PanicInfo;
use cortex_m_suite::{exit, println};

cortex_m_suite::entry!(main);

/// The cases in declaration order, each with its `#[ignore]`.
const TESTS: &[(&str, fn(), bool)] = &[("reads_id", reads_id, false), ("not_ready", not_ready, true), ("sums", sums, false)];

fn main() -> ! {
    for (i, &(name, test, ignore)) in TESTS.iter().enumerate() {
        println!("({}/{}) {} `{}`...", i + 1, TESTS.len(), if ignore { "ignoring" } else { "running" }, name);
        if !ignore {
            test();
        }
    }
    println!("all tests passed!");
    exit(true)
}

/// The CPU is an Arm Cortex-M3 (the part lm3s6965evb has).
fn reads_id() {
    let id = cortex_m_suite::cpuid();
    assert_eq!(id >> 24, 0x41, "implementer is not Arm: CPUID {id:#010x}");
    assert_eq!((id >> 4) & 0xfff, 0xc23, "not a Cortex-M3: CPUID {id:#010x}");
}

/// `#[ignore]`d: not run, so its failure shows nothing.
fn not_ready() {
    panic!("not ready yet");
}

fn sums() {
    assert_eq!((1..=10u32).sum::<u32>(), 55);
    assert_eq!(cortex_m_suite::add(u32::MAX - 1, 1), u32::MAX);
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("{}", info);
    exit(false)
}
