//
// Copyright 2023, Colias Group, LLC
//
// SPDX-License-Identifier: BSD-2-Clause
//
// rust-sel4 v5.0.0's Microkit hello example
// (https://github.com/seL4/rust-sel4/blob/v5.0.0/crates/examples/microkit/hello/pds/hello/src/main.rs),
// with a TEST_PASS line after the greeting, as rust-sel4's tests print it.
//

#![no_std]
#![no_main]

use sel4_microkit::{Handler, Infallible, debug_println, protection_domain};

#[protection_domain]
fn init() -> HandlerImpl {
    debug_println!("Hello, World!");
    debug_println!("TEST_PASS");
    HandlerImpl
}

struct HandlerImpl;

impl Handler for HandlerImpl {
    type Error = Infallible;
}
