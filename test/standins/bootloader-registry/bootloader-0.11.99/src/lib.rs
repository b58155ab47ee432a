//! STAND-IN for the `bootloader` crate's `BiosBoot` and `UefiBoot` (tests only; see ../../README.md).
//! Like upstream, `bios` and `uefi` are features, both on by default.

#[cfg(feature = "bios")]
mod bios;
#[cfg(feature = "uefi")]
mod uefi;

#[cfg(feature = "bios")]
pub use bios::BiosBoot;
#[cfg(feature = "uefi")]
pub use uefi::UefiBoot;

/// The kernel's size, which the stand-in images print instead of loading the kernel.
fn kernel_size(kernel: &std::path::Path) -> Result<u64, String> {
    Ok(std::fs::metadata(kernel).map_err(|e| format!("{}: {e}", kernel.display()))?.len())
}
