//! STAND-IN for rust-osdev/bootimage's `bootimage runner` (tests only; see ../../../README.md).
//!
//! Like upstream (src/main.rs, `runner`): `bootimage runner <executable>` writes
//! `bootimage-<stem>.bin` next to the executable, then runs the default run-command,
//! `qemu-system-x86_64 -drive format=raw,file=<image>` (src/config.rs), and exits with its status.
//! The image is the stand-in bootloader's boot sector, not bootloader 0.9.

use std::env;
use std::path::Path;
use std::process::{exit, Command};

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let (Some("runner"), Some(exe)) = (args.first().map(String::as_str), args.get(1)) else {
        eprintln!("Usage: bootimage runner <executable>");
        exit(2);
    };
    env::var("CARGO_MANIFEST_DIR").expect("Failed to read CARGO_MANIFEST_DIR environment variable");
    let exe = Path::new(exe);
    let stem = exe.file_stem().and_then(|s| s.to_str()).expect("a file name");
    let image = exe.with_file_name(format!("bootimage-{stem}.bin"));
    bootloader::BiosBoot::new(exe)
        .create_disk_image(&image)
        .unwrap_or_else(|e| panic!("{e}"));
    let status = Command::new("qemu-system-x86_64")
        .arg("-drive")
        .arg(format!("format=raw,file={}", image.display()))
        .status()
        .expect("run qemu-system-x86_64");
    exit(status.code().unwrap_or(1));
}
