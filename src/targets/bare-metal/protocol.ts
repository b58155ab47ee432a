import * as fs from 'node:fs';
import { ActionError, InputError } from '../../model/errors.js';
import type { InputSpec } from '../../model/parse.js';

/**
 * How an x86_64 kernel image asks to be booted, read from its bytes: ELF notes and sections, the
 * multiboot headers near the start of the file, the ISO 9660 volume descriptor, a PE header.
 * One detector for the whole x86_64 bare-metal family, so the plan and the log name what was found
 * ("multiboot2 kernel -> GRUB ISO") and an unknown image fails before QEMU with the fix.
 */
export type BootProtocol = 'pvh' | 'multiboot' | 'multiboot2' | 'limine' | 'bootloader' | 'bootimage' | 'iso' | 'disk' | 'pe';

/** The values of the boot-protocol input ('auto': detect). */
export const BOOT_PROTOCOLS = ['auto', 'pvh', 'multiboot', 'multiboot2', 'limine', 'bootloader', 'bootimage', 'iso', 'disk'] as const;
export type BootProtocolChoice = (typeof BOOT_PROTOCOLS)[number];

export interface Detected {
  protocol: BootProtocol;
  /** What in the file said so, for the log ("PVH note (type 18)", "Multiboot2 header at 0x1000"). */
  evidence: string;
  /** ELF images: 32 or 64 bits. */
  elfClass?: 32 | 64;
  /** Multiboot (1): the header has the address fields (flag bit 16), so QEMU loads the file by them, ELF or not. */
  multibootAddresses?: boolean;
  /** Multiboot (1) header found in a 64-bit ELF without address fields: QEMU's -kernel refuses it. */
  multibootUnloadable?: boolean;
  /** Another header also present and not chosen (a kernel may carry both PVH and multiboot). */
  alsoFound?: BootProtocol[];
}

/**
 * Multiboot (1): magic 0x1BADB002, 4-byte aligned within the first 8192 bytes; magic + flags +
 * checksum = 0 (mod 2^32). Flag bit 16 (MULTIBOOT_AOUT_KLUDGE) says header_addr, load_addr,
 * load_end_addr, bss_end_addr and entry_addr follow
 * (https://www.gnu.org/software/grub/manual/multiboot/multiboot.html, 3.1.1 and 3.1.3).
 */
export const MULTIBOOT1 = { magic: 0x1badb002, window: 8192, align: 4 };
/**
 * Multiboot2: magic 0xE85250D6, 8-byte aligned within the first 32768 bytes; magic + architecture
 * + header_length + checksum = 0 (mod 2^32)
 * (https://www.gnu.org/software/grub/manual/multiboot2/multiboot.html, 3.1.1 and 3.1.2).
 */
export const MULTIBOOT2 = { magic: 0xe85250d6, window: 32768, align: 8 };
/**
 * Limine: every request starts with LIMINE_COMMON_MAGIC (0xc7b1dd30df4c8b88, 0x0a82e883a194f07b),
 * and base-revision-aware kernels carry the base revision tag (0xf9562b2d5c95a6c8,
 * 0x6a7b384944536bdc); Limine scans the loaded image for them
 * (https://github.com/limine-bootloader/limine/blob/trunk/PROTOCOL.md, "Requests" and "Base revision";
 * the `limine` crate's src/lib.rs writes the same words).
 */
export const LIMINE_COMMON_MAGIC = [0xc7b1dd30df4c8b88n, 0x0a82e883a194f07bn];
export const LIMINE_BASE_REVISION = [0xf9562b2d5c95a6c8n, 0x6a7b384944536bdcn];
/**
 * bootloader 0.11: `bootloader_api::entry_point!` stores the serialized BootloaderConfig in a
 * section named `.bootloader-config`, which the bootloader reads when loading the kernel
 * (https://github.com/rust-osdev/bootloader/blob/main/api/src/lib.rs, the entry_point macro).
 */
export const BOOTLOADER_SECTION = '.bootloader-config';
/** PVH: an ELF note named "Xen" of type 18, XEN_ELFNOTE_PHYS32_ENTRY (https://xenbits.xen.org/docs/unstable/misc/pvh.html). */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
/** ISO 9660: the primary volume descriptor at sector 16 (byte 0x8000) starts with type 1 then "CD001" (ECMA-119, 8.1). */
const ISO_MAGIC_AT = 0x8001;

/** How each format is made, for the error when none is found. */
export const HOW_MADE = [
  'a PVH note (an ELF note "Xen" of type 18 naming a 32-bit entry point, booted with -kernel)',
  'a Multiboot header (magic 0x1BADB002 in the first 8 KiB: a 32-bit ELF, or `objcopy -O elf32-i386`, booted with -kernel)',
  'a Multiboot2 header (magic 0xE85250D6 in the first 32 KiB, put in a GRUB ISO)',
  'Limine requests (the `limine` crate)',
  "a `.bootloader-config` section (bootloader_api's entry_point! macro, bootloader 0.11)",
];

interface Elf {
  class: 32 | 64;
  machine: number;
  notes: { name: string; type: number }[];
  sections: string[];
}

/** Reads what the detector needs from an ELF: its class, machine, notes (from PT_NOTE segments and SHT_NOTE sections) and section names. */
export function readElf(buf: Buffer): Elf | undefined {
  if (buf.length < 52 || buf.toString('latin1', 0, 4) !== '\x7fELF') return undefined;
  const is64 = buf[4] === 2;
  if (buf[5] !== 1) return undefined; // little-endian only (x86)
  const u16 = (o: number) => (o + 2 <= buf.length ? buf.readUInt16LE(o) : 0);
  const u32 = (o: number) => (o + 4 <= buf.length ? buf.readUInt32LE(o) : 0);
  const addr = (o: number) => (is64 ? (o + 8 <= buf.length ? Number(buf.readBigUInt64LE(o)) : 0) : u32(o));
  const machine = u16(18);
  const phoff = addr(is64 ? 32 : 28);
  const shoff = addr(is64 ? 40 : 32);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  const shentsize = u16(is64 ? 58 : 46);
  const shnum = u16(is64 ? 60 : 48);
  const shstrndx = u16(is64 ? 62 : 50);
  const notes: Elf['notes'] = [];
  const readNotes = (off: number, size: number) => {
    let p = off;
    const end = Math.min(off + size, buf.length);
    while (p + 12 <= end) {
      const namesz = u32(p);
      const descsz = u32(p + 4);
      const type = u32(p + 8);
      const name = buf.toString('latin1', p + 12, Math.min(p + 12 + namesz, end)).replace(/\0+$/, '');
      notes.push({ name, type });
      p += 12 + Math.ceil(namesz / 4) * 4 + Math.ceil(descsz / 4) * 4;
    }
  };
  for (let i = 0; i < phnum && phentsize; i++) {
    const ph = phoff + i * phentsize;
    if (u32(ph) !== 4) continue; // PT_NOTE
    readNotes(addr(ph + (is64 ? 8 : 4)), addr(ph + (is64 ? 32 : 16)));
  }
  const sections: string[] = [];
  if (shoff && shnum && shentsize && shstrndx < shnum) {
    const sh = (i: number) => shoff + i * shentsize;
    const strOff = addr(sh(shstrndx) + (is64 ? 24 : 16));
    for (let i = 0; i < shnum; i++) {
      const nameOff = u32(sh(i));
      const start = strOff + nameOff;
      const end = buf.indexOf(0, start);
      sections.push(buf.toString('latin1', start, end < 0 ? start : end));
      if (u32(sh(i) + 4) === 7) readNotes(addr(sh(i) + (is64 ? 24 : 16)), addr(sh(i) + (is64 ? 32 : 20))); // SHT_NOTE
    }
  }
  return { class: is64 ? 64 : 32, machine, notes, sections };
}

/** The offset of a valid multiboot (1) header, and its flags. */
export function findMultiboot1(buf: Buffer): { offset: number; flags: number } | undefined {
  const end = Math.min(MULTIBOOT1.window, buf.length) - 12;
  for (let o = 0; o <= end; o += MULTIBOOT1.align) {
    if (buf.readUInt32LE(o) !== MULTIBOOT1.magic) continue;
    const flags = buf.readUInt32LE(o + 4);
    if ((MULTIBOOT1.magic + flags + buf.readUInt32LE(o + 8)) >>> 0 === 0) return { offset: o, flags };
  }
  return undefined;
}

/** The offset of a valid multiboot2 header. */
export function findMultiboot2(buf: Buffer): number | undefined {
  const end = Math.min(MULTIBOOT2.window, buf.length) - 16;
  for (let o = 0; o <= end; o += MULTIBOOT2.align) {
    if (buf.readUInt32LE(o) !== MULTIBOOT2.magic) continue;
    const sum = MULTIBOOT2.magic + buf.readUInt32LE(o + 4) + buf.readUInt32LE(o + 8) + buf.readUInt32LE(o + 12);
    if (sum >>> 0 === 0) return o;
  }
  return undefined;
}

/** Does the file hold two consecutive 64-bit words, 8-byte aligned (as Limine scans for them)? */
function hasWords(buf: Buffer, words: bigint[]): boolean {
  const first = Buffer.alloc(8);
  first.writeBigUInt64LE(words[0]);
  for (let o = buf.indexOf(first); o >= 0; o = buf.indexOf(first, o + 1)) {
    if (o % 8 === 0 && o + 16 <= buf.length && buf.readBigUInt64LE(o + 8) === words[1]) return true;
  }
  return false;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** Detects the boot protocol of an image's bytes; undefined: an ELF with no header this action knows. */
export function detectProtocol(buf: Buffer): Detected | undefined {
  if (buf.length > ISO_MAGIC_AT + 5 && buf.toString('latin1', ISO_MAGIC_AT, ISO_MAGIC_AT + 5) === 'CD001') {
    return { protocol: 'iso', evidence: 'ISO 9660 volume descriptor ("CD001" at 0x8001)' };
  }
  if (buf.toString('latin1', 0, 2) === 'MZ') return { protocol: 'pe', evidence: 'PE/COFF executable ("MZ")' };
  const elf = readElf(buf);
  if (!elf) return { protocol: 'disk', evidence: 'not an ELF, PE or ISO: a raw disk image' };
  const found: Detected[] = [];
  if (elf.sections.includes(BOOTLOADER_SECTION)) found.push({ protocol: 'bootloader', evidence: `${BOOTLOADER_SECTION} section (bootloader 0.11)` });
  if (hasWords(buf, LIMINE_COMMON_MAGIC)) found.push({ protocol: 'limine', evidence: 'Limine request markers' });
  else if (hasWords(buf, LIMINE_BASE_REVISION)) found.push({ protocol: 'limine', evidence: 'Limine base revision tag' });
  if (elf.notes.some((n) => n.name === 'Xen' && n.type === XEN_ELFNOTE_PHYS32_ENTRY)) found.push({ protocol: 'pvh', evidence: 'PVH note (Xen, type 18)' });
  const mb1 = findMultiboot1(buf);
  const mb2 = findMultiboot2(buf);
  let mb1Found: Detected | undefined;
  if (mb1) {
    const addresses = (mb1.flags & 0x10000) !== 0;
    // QEMU loads an ELF multiboot kernel only if it is not x86-64, unless the header's address fields say where to load it.
    const unloadable = !addresses && elf.class === 64;
    mb1Found = {
      protocol: 'multiboot',
      evidence: `Multiboot header at ${hex(mb1.offset)}${addresses ? ' with address fields' : ''}`,
      multibootAddresses: addresses,
      multibootUnloadable: unloadable,
    };
    if (!unloadable) found.push(mb1Found);
  }
  if (mb2 !== undefined) found.push({ protocol: 'multiboot2', evidence: `Multiboot2 header at ${hex(mb2)}` });
  // A 64-bit multiboot (1) kernel QEMU cannot load comes last: any other way in is better than the error.
  if (mb1Found?.multibootUnloadable) found.push(mb1Found);
  if (!found.length) return undefined;
  const [first, ...rest] = found;
  return { ...first, elfClass: elf.class, ...(rest.length ? { alsoFound: rest.map((d) => d.protocol) } : {}) };
}

/** What the action does with each protocol, for the plan and the log. */
export const WAY: Record<BootProtocol, string> = {
  pvh: 'PVH kernel -> QEMU -kernel',
  multiboot: 'multiboot kernel -> QEMU -kernel',
  multiboot2: 'multiboot2 kernel -> GRUB ISO (grub-mkrescue) -> QEMU -cdrom',
  limine: 'Limine kernel -> Limine ISO (limine.conf, xorriso, limine bios-install) -> QEMU -cdrom',
  bootloader: 'bootloader 0.11 kernel -> BIOS disk image (a generated builder crate: bootloader::BiosBoot) -> QEMU -drive format=raw',
  bootimage: 'bootloader 0.9 kernel -> BIOS disk image (cargo bootimage) -> QEMU -drive format=raw',
  iso: 'ISO image -> QEMU -cdrom',
  disk: 'raw disk image -> QEMU -drive format=raw',
  pe: 'PE image',
};

/** What the action does with each protocol under a firmware: WAY, but a bootloader 0.11 kernel gets a UEFI disk image under UEFI. */
export function way(protocol: BootProtocol, firmware: BootFirmware): string {
  return protocol === 'bootloader' && firmware === 'uefi'
    ? 'bootloader 0.11 kernel -> UEFI disk image (a generated builder crate: bootloader::UefiBoot) -> QEMU -drive format=raw'
    : WAY[protocol];
}

/** The first bytes of a file, enough for every header the detector looks for (ELF section tables can be anywhere: the whole file, up to 64 MiB). */
export function readHead(file: string): Buffer {
  const size = fs.statSync(file).size;
  const n = Math.min(size, 64 * 1024 * 1024);
  const buf = Buffer.alloc(n);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, buf, 0, n, 0);
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

/** An ELF with no boot header the detector knows (the kernel's to fix: result fail). */
export class UnknownFormatError extends ActionError {}

/** The error for an ELF with no known header: one sentence naming the formats looked for and how each is made. */
export function unknownFormatError(file: string): ActionError {
  return new UnknownFormatError(
    `${file} is an ELF with no boot header this action knows; it looked for ${HOW_MADE.join(', ')}; add one to the kernel, give a bootable ISO 9660 or raw BIOS disk image (\`cargo bootimage\`, \`bootloader::DiskImageBuilder\`) as the kernel input, or set boot-protocol to say how it boots.`,
  );
}

/**
 * The error for a multiboot (1) header in a 64-bit ELF without address fields: QEMU's loader exits
 * with "Cannot load x86-64 image, give a 32bit one." (https://github.com/qemu/qemu/blob/master/hw/i386/multiboot.c,
 * load_multiboot: the ELF path refuses EM_X86_64 unless the header has MULTIBOOT_AOUT_KLUDGE).
 */
export function multiboot64Error(file: string): ActionError {
  return new ActionError(
    `${file} is a 64-bit ELF with a Multiboot header, which QEMU's -kernel refuses ("Cannot load x86-64 image, give a 32bit one"): convert it with \`objcopy -O elf32-i386\` and boot the copy (kernel input), set flag bit 16 with the header's address fields (header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr), or add a Multiboot2 header to boot through GRUB.`,
  );
}

/** Detects an image's protocol, or applies the boot-protocol input; throws the unknown-format error. */
export function resolveProtocol(file: string, choice: BootProtocolChoice): Detected {
  if (choice !== 'auto') return { protocol: choice, evidence: 'boot-protocol input' };
  const d = detectProtocol(readHead(file));
  if (!d) throw unknownFormatError(file);
  if (d.protocol === 'multiboot' && d.multibootUnloadable) throw multiboot64Error(file);
  return d;
}

/** The boot-protocol input of the x86_64 bare-metal targets. */
export const BOOT_PROTOCOL_INPUT: InputSpec<BootProtocolChoice> = {
  name: 'boot-protocol',
  parse(raw) {
    const v = (raw || 'auto').toLowerCase();
    if (!(BOOT_PROTOCOLS as readonly string[]).includes(v)) {
      throw new InputError(
        'boot-protocol',
        `'${raw}' is not a boot protocol this action knows`,
        `Use one of ${BOOT_PROTOCOLS.join(', ')} (auto, the default, reads the image's headers).`,
      );
    }
    return v as BootProtocolChoice;
  },
};

/** The values of the boot-firmware input: the PC's firmware the x86_64 image boots under. */
export const BOOT_FIRMWARES = ['bios', 'uefi'] as const;
export type BootFirmware = (typeof BOOT_FIRMWARES)[number];

/**
 * The protocols whose image boots under UEFI (OVMF) too: the GRUB ISO (grub-mkrescue puts GRUB's
 * x86_64-efi image in it when grub-efi-amd64-bin is installed,
 * https://www.gnu.org/software/grub/manual/grub/html_node/Invoking-grub_002dmkrescue.html), a
 * bootloader 0.11 kernel (its builder makes the UEFI disk image with bootloader::UefiBoot,
 * bootloader.ts), a Limine kernel (its ISO holds Limine's UEFI image, limine-uefi-cd.bin, as an El
 * Torito EFI entry, limine.ts), an ISO and a disk image given by the user (booted as they are). PVH and Multiboot
 * go through QEMU's own -kernel loader, which is the BIOS's (SeaBIOS's option ROM); bootimage's
 * images (bootloader 0.9) are BIOS images.
 */
export const UEFI_PROTOCOLS: readonly BootProtocol[] = ['multiboot2', 'limine', 'bootloader', 'iso', 'disk'];

/** The error for a protocol that cannot boot under the firmware asked for (`asked`: the input's value, uefi or both). */
export function firmwareMismatch(protocol: BootProtocol, why: string, asked: BootFirmwareChoice = 'uefi'): InputError {
  return new InputError(
    'boot-firmware',
    `is ${asked}, but ${why} is a ${WAY[protocol].split(' -> ')[0]}, which this action boots under BIOS only`,
    `Use boot-firmware: bios (the default), or give a kernel that boots under UEFI: ${UEFI_PROTOCOLS.map((p) => WAY[p].split(' -> ')[0]).join(', ')}.`,
  );
}

/** The boot-firmware input: one firmware, or both (each image booted under BIOS and under UEFI, each boot judged). */
export type BootFirmwareChoice = BootFirmware | 'both';

/** The boot-firmware input of the x86_64 bare-metal targets (undefined: unset, BIOS). */
export const BOOT_FIRMWARE_INPUT: InputSpec<BootFirmwareChoice | undefined> = {
  name: 'boot-firmware',
  parse(raw) {
    const v = raw.toLowerCase();
    if (!v) return undefined;
    if (!([...BOOT_FIRMWARES, 'both'] as readonly string[]).includes(v)) {
      throw new InputError(
        'boot-firmware',
        `'${raw}' is not a firmware this action knows`,
        `Use ${BOOT_FIRMWARES.join(', ')} or both (bios, the default; both boots the image under each and passes only when both boots pass).`,
      );
    }
    return v as BootFirmwareChoice;
  },
};
