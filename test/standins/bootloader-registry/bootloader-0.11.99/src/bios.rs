//! STAND-IN for the `bootloader` crate's `BiosBoot` (upstream: src/bios/mod.rs).

use std::path::{Path, PathBuf};

pub struct BiosBoot {
    kernel: PathBuf,
}

impl BiosBoot {
    pub fn new(kernel_path: &Path) -> Self {
        Self {
            kernel: kernel_path.to_owned(),
        }
    }

    /// A boot sector that prints one line on COM1 and exits QEMU through isa-debug-exit 0x10.
    pub fn create_disk_image(&self, out_path: &Path) -> Result<(), String> {
        let size = crate::kernel_size(&self.kernel)?;
        let code: [u8; 0x21] = [
            0x31, 0xc0, // xor ax, ax
            0x8e, 0xd8, // mov ds, ax
            0xfc, // cld
            0xba, 0xf8, 0x03, // mov dx, 0x3f8 (COM1)
            0xbe, 0x21, 0x7c, // mov si, 0x7c21 (the message, after this code)
            0xac, // next: lodsb
            0x84, 0xc0, // test al, al
            0x74, 0x03, // jz done
            0xee, // out dx, al
            0xeb, 0xf8, // jmp next
            0xba, 0xf4, 0x00, // done: mov dx, 0xf4 (isa-debug-exit)
            0x66, 0xb8, 0x10, 0, 0, 0, // mov eax, 0x10
            0x66, 0xef, // out dx, eax
            0xf4, // halt: hlt
            0xeb, 0xfd, // jmp halt
        ];
        let msg = format!("stand-in bootloader image: kernel of {size} bytes\r\n\0");
        let mut sector = vec![0u8; 512];
        sector[..code.len()].copy_from_slice(&code);
        sector[code.len()..code.len() + msg.len()].copy_from_slice(msg.as_bytes());
        sector[510] = 0x55;
        sector[511] = 0xaa;
        std::fs::write(out_path, sector).map_err(|e| format!("{}: {e}", out_path.display()))
    }
}
