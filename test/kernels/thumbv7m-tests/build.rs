//! Build script: hands the linker script to the linker for every executable
//! of the crate (the test executables too: each one is a kernel of its own).

use std::env;

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").unwrap();

    // `rustc-link-arg`, not `rustc-link-arg-bins`: `cargo test` links test
    // executables, and they need the memory layout and vector table as much
    // as a binary does.
    println!("cargo:rustc-link-arg=-T{dir}/linker.ld");

    println!("cargo:rerun-if-changed=linker.ld");
    println!("cargo:rerun-if-changed=build.rs");
}
