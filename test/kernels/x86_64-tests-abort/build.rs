//! Build script: hands the linker script and a couple of flags to the linker
//! for every executable of the crate (the test executables too: each one is a
//! kernel of its own).

use std::env;

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").unwrap();

    // Lay the image out at 1 MiB, with the PVH note the loader looks for.
    // (`rustc-link-arg`, not `-bins`: `cargo test` links test executables.)
    println!("cargo:rustc-link-arg=-T{dir}/linker.ld");
    // x86_64-unknown-none links a static PIE by default. Nothing here would
    // apply its relocations at run time, so link a plain executable that is
    // already correct at its link address.
    println!("cargo:rustc-link-arg=--no-pie");

    println!("cargo:rerun-if-changed=linker.ld");
    println!("cargo:rerun-if-changed=build.rs");
}
