//! STAND-IN for rust-osdev/bootimage's `cargo bootimage` (tests only; see ../../../README.md).
//!
//! Like upstream (src/bin/cargo-bootimage.rs, src/builder/mod.rs): invoked by cargo as
//! `cargo-bootimage bootimage <args>`, it runs `cargo build <args>` asking for JSON messages, and
//! writes `bootimage-<bin>.bin` next to each executable cargo built. The image is the stand-in
//! bootloader's boot sector (it names the kernel's size instead of loading it), not bootloader 0.9.

use std::env;
use std::path::Path;
use std::process::{exit, Command, Stdio};

fn main() {
    let mut args = env::args().skip(1);
    if args.next().as_deref() != Some("bootimage") {
        eprintln!("Please invoke this as `cargo bootimage`");
        exit(2);
    }
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .arg("build")
        .args(args)
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo build");
    if !out.status.success() {
        eprintln!("Error: kernel build failed");
        exit(1);
    }
    let mut made = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(start) = line.find("\"executable\":\"") else {
            continue;
        };
        let rest = &line[start + "\"executable\":\"".len()..];
        let exe = Path::new(&rest[..rest.find('"').expect("a closing quote")]);
        let stem = exe.file_stem().and_then(|s| s.to_str()).expect("a file name");
        let image = exe.with_file_name(format!("bootimage-{stem}.bin"));
        bootloader::BiosBoot::new(exe)
            .create_disk_image(&image)
            .unwrap_or_else(|e| panic!("{e}"));
        println!("Created bootimage for `{stem}` at `{}`", image.display());
        made += 1;
    }
    if made == 0 {
        eprintln!("Error: no executables built");
        exit(1);
    }
}
