//! Build script: hands the linker script to the linker, so a plain
//! `cargo build --target thumbv7m-none-eabi` works (no RUSTFLAGS needed).

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg-bins=-T{dir}/linker.ld");
    println!("cargo:rerun-if-changed=linker.ld");
    println!("cargo:rerun-if-changed=build.rs");
}
