//! Build script: hands the linker script to the linker, so a plain
//! `cargo build --target thumbv8m.main-none-eabihf` works (no RUSTFLAGS needed).

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg-bins=-T{dir}/linker.ld");
    println!("cargo:rerun-if-changed=linker.ld");
    println!("cargo:rerun-if-changed=build.rs");
}
