//! STAND-IN (tests only): builds the stand-in UEFI application (uefi/main.rs) when the `uefi`
//! feature is on, as upstream's build.rs builds its UEFI stage with
//! `cargo install ... --target x86_64-unknown-uefi -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem`
//! (https://github.com/rust-osdev/bootloader/blob/main/build.rs, build_uefi_bootloader).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    if std::env::var_os("CARGO_FEATURE_UEFI").is_none() {
        return;
    }
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed={}", here.join("uefi/main.rs").display());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    // The app's crate in OUT_DIR: nothing is written into the (read-only) source.
    let app = out.join("uefi-app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::copy(here.join("uefi/main.rs"), app.join("src/main.rs")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        "[package]\nname = \"standin-uefi\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[profile.release]\npanic = \"abort\"\n\n[workspace]\n",
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&app)
        .args(["build", "--release", "--target", "x86_64-unknown-uefi"])
        .args(["-Zbuild-std=core,compiler_builtins", "-Zbuild-std-features=compiler-builtins-mem"])
        .arg("--target-dir")
        .arg(out.join("uefi-target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    // build-std resolves the standard library's own dependencies: from the sysroot's vendored copy when
    // there is one (Debian's rust-src), since crates.io may be replaced by this stand-in registry.
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc).args(["--print", "sysroot"]).output().unwrap();
    let vendor = Path::new(String::from_utf8_lossy(&sysroot.stdout).trim()).join("lib/rustlib/src/rust/library/vendor");
    if vendor.is_dir() {
        cmd.arg("--config")
            .arg("source.crates-io.replace-with=\"std-vendor\"")
            .arg("--config")
            .arg(format!("source.std-vendor.directory={:?}", vendor.display().to_string()));
    }
    let status = cmd.status().expect("run cargo for the stand-in UEFI app");
    assert!(status.success(), "building the stand-in UEFI app failed");
    let efi = out.join("uefi-target/x86_64-unknown-uefi/release/standin-uefi.efi");
    std::fs::copy(&efi, out.join("standin-uefi.efi")).unwrap();
}
