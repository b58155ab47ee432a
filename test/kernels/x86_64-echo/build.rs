//! Build script: hands the linker script and a couple of flags to the linker.
//!
//! Passing these from here (instead of `.cargo/config.toml` or RUSTFLAGS)
//! means `cargo build --target x86_64-unknown-none` just works, wherever the
//! crate is built from.

use std::env;

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").unwrap();

    // Lay the image out at 1 MiB, with the PVH note the loader looks for.
    println!("cargo:rustc-link-arg-bins=-T{dir}/linker.ld");
    // x86_64-unknown-none links a static PIE by default. Nothing here would
    // apply its relocations at run time, so link a plain executable that is
    // already correct at its link address.
    println!("cargo:rustc-link-arg-bins=--no-pie");

    println!("cargo:rerun-if-changed=linker.ld");
    println!("cargo:rerun-if-changed=build.rs");
}
