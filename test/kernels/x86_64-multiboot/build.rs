//! Build script (shared with ../x86_64-multiboot2): the linker script and a plain, non-PIE executable.

use std::env;

fn main() {
    // Both crates use this folder's linker script.
    let dir = format!(
        "{}/../x86_64-multiboot",
        env::var("CARGO_MANIFEST_DIR").unwrap()
    );
    println!("cargo:rustc-link-arg-bins=-T{dir}/linker.ld");
    // Nothing would apply PIE relocations at run time: link at the final address.
    println!("cargo:rustc-link-arg-bins=--no-pie");
    println!("cargo:rerun-if-changed={dir}/linker.ld");
    println!("cargo:rerun-if-changed={dir}/build.rs");
}
