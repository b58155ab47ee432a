//! STAND-IN for the `bootloader` crate's `UefiBoot` (upstream: src/uefi/mod.rs,
//! https://github.com/rust-osdev/bootloader/blob/main/src/uefi/mod.rs). Upstream writes a GPT disk
//! whose FAT partition holds its UEFI stage and the kernel; this one writes a FAT image (a disk
//! without a partition table, which UEFI firmware reads as one file system) holding the stand-in
//! UEFI app (uefi/main.rs, built by build.rs) as EFI/BOOT/BOOTX64.EFI, made with mtools.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The stand-in UEFI app, built by build.rs.
const APP: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/standin-uefi.efi"));
/// The placeholder in the app's message that gets the kernel's size.
const PLACEHOLDER: &[u8] = b"################";

pub struct UefiBoot {
    kernel: PathBuf,
}

impl UefiBoot {
    pub fn new(kernel_path: &Path) -> Self {
        Self {
            kernel: kernel_path.to_owned(),
        }
    }

    /// A 4 MiB FAT image whose EFI/BOOT/BOOTX64.EFI prints one line on COM1 and exits QEMU through isa-debug-exit 0x10.
    pub fn create_disk_image(&self, out_path: &Path) -> Result<(), String> {
        let size = crate::kernel_size(&self.kernel)?.to_string();
        let at = APP
            .windows(PLACEHOLDER.len())
            .position(|w| w == PLACEHOLDER)
            .ok_or("the stand-in UEFI app has no size placeholder")?;
        let mut app = APP.to_vec();
        // The size, then '#'s the app skips.
        app[at..at + size.len()].copy_from_slice(size.as_bytes());
        let efi = out_path.with_extension("efi");
        std::fs::write(&efi, app).map_err(|e| format!("{}: {e}", efi.display()))?;
        let file = std::fs::File::create(out_path).map_err(|e| format!("{}: {e}", out_path.display()))?;
        file.set_len(4 << 20).map_err(|e| format!("{}: {e}", out_path.display()))?;
        let image = out_path.to_str().ok_or("the image path is not UTF-8")?;
        let efi_path = efi.to_str().ok_or("the image path is not UTF-8")?;
        let steps: [&[&str]; 3] = [
            &["mformat", "-i", image, "-T", "8192", "-h", "2", "-s", "32", "::"],
            &["mmd", "-i", image, "::/EFI", "::/EFI/BOOT"],
            &["mcopy", "-i", image, efi_path, "::/EFI/BOOT/BOOTX64.EFI"],
        ];
        for argv in steps {
            let status = Command::new(argv[0])
                .args(&argv[1..])
                .status()
                .map_err(|e| format!("{} (mtools): {e}", argv[0]))?;
            if !status.success() {
                return Err(format!("{} failed: {status}", argv.join(" ")));
            }
        }
        std::fs::remove_file(&efi).map_err(|e| format!("{}: {e}", efi.display()))
    }
}
