// The STAND-IN Limine binary release (test/standins/limine-binary/README.md) and a crafted Limine
// kernel: what the Limine tests need without downloading Limine or building a kernel with the
// `limine` crate (crates.io cannot be reached on the development machines).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './action.js';
import { tempDir } from './tmp.js';

export const STANDIN_LINE = 'stand-in Limine BIOS stage';

/**
 * A 2 KiB El Torito no-emulation boot image (4 sectors, as xorriso's `-boot-load-size 4` loads it)
 * of hand-assembled 16-bit code: prints `line` on COM1 (port 0x3f8), then writes `exit` to
 * isa-debug-exit (port 0xf4) and halts; `exit` undefined: halts without exiting (a hang).
 * Bytes 8 to 63 are left for the boot info table xorriso writes there (`-boot-info-table`), so the
 * code starts with a jump over them.
 */
export function standinBootImage(line: string, exit: number | undefined): Buffer {
  const msg = Buffer.from(`${line}\r\n\0`, 'latin1');
  const head = Buffer.alloc(64);
  head.set([0xeb, 0x3e]); // jmp short 0x40
  // prettier-ignore
  const code = Buffer.from([
    0xfa,                   // 0x40 cli
    0x0e, 0x1f,             // 0x41 push cs; pop ds (SeaBIOS may enter at 07c0:0000 or 0000:7c00)
    0xe8, 0x00, 0x00,       // 0x43 call 0x46 (pushes its own address)
    0x5e,                   // 0x46 pop si
    0x83, 0xc6, 0x18,       // 0x47 add si, 0x18 (the message at 0x5e)
    0xba, 0xf8, 0x03,       // 0x4a mov dx, 0x3f8
    0xac,                   // 0x4d lodsb
    0x84, 0xc0,             // 0x4e test al, al
    0x74, 0x03,             // 0x50 jz 0x55
    0xee,                   // 0x52 out dx, al
    0xeb, 0xf8,             // 0x53 jmp 0x4d
    0xba, 0xf4, 0x00,       // 0x55 mov dx, 0xf4
    0xb0, exit ?? 0,        // 0x58 mov al, exit
    exit === undefined ? 0x90 : 0xee, // 0x5a out dx, al (a nop for a hang)
    0xf4,                   // 0x5b hlt
    0xeb, 0xfd,             // 0x5c jmp 0x5b
  ]);
  const image = Buffer.alloc(2048);
  Buffer.concat([head, code, msg]).copy(image);
  return image;
}

/** A copy of the stand-in release folder with its boot stages written: a folder to give the limine input. */
export function limineStandin(opts: { line?: string; exit?: number | null } = {}): string {
  const dir = path.join(tempDir('limine-standin-'), 'limine-binary');
  fs.cpSync(path.join(ROOT, 'test', 'standins', 'limine-binary'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'limine-bios-cd.bin'), standinBootImage(opts.line ?? STANDIN_LINE, opts.exit === null ? undefined : (opts.exit ?? 0x10)));
  // Only copied into the ISO: placeholders (the UEFI one as large as a 1.44 MB floppy image, as a FAT image would be).
  fs.writeFileSync(path.join(dir, 'limine-bios.sys'), 'STAND-IN limine-bios.sys\n');
  fs.writeFileSync(path.join(dir, 'limine-uefi-cd.bin'), Buffer.alloc(1440 * 1024));
  fs.writeFileSync(path.join(dir, 'BOOTX64.EFI'), 'STAND-IN BOOTX64.EFI\n');
  return dir;
}

/**
 * A crafted x86_64 ELF (a header and data, no code) holding the Limine base revision tag
 * [0xf9562b2d5c95a6c8, 0x6a7b384944536bdc, revision] at an 8-byte aligned offset, as the limine
 * crate's `BaseRevision` writes it: enough for the action's detection, never run (the stand-in
 * boot image does not load it).
 */
export function limineKernel(revision: number): string {
  const buf = Buffer.alloc(128);
  buf.write('\x7fELF', 0, 'latin1');
  buf[4] = 2; // ELFCLASS64
  buf[5] = 1; // little-endian
  buf[6] = 1; // EV_CURRENT
  buf.writeUInt16LE(2, 16); // ET_EXEC
  buf.writeUInt16LE(62, 18); // EM_X86_64
  buf.writeUInt32LE(1, 20);
  buf.writeBigUInt64LE(0xffffffff80000000n, 24); // entry
  buf.writeUInt16LE(64, 52); // e_ehsize
  buf.writeBigUInt64LE(0xf9562b2d5c95a6c8n, 64);
  buf.writeBigUInt64LE(0x6a7b384944536bdcn, 72);
  buf.writeBigUInt64LE(BigInt(revision), 80);
  const file = path.join(tempDir('limine-kernel-'), 'kernel');
  fs.writeFileSync(file, buf);
  return file;
}
