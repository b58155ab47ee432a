import * as fs from 'node:fs';
import { ActionError } from '../../model/errors.js';

// QEMU's riscv `virt` board starts the payload given with -kernel at its LOWEST loaded address,
// not at its ELF entry point: hw/riscv/boot.c riscv_load_kernel() returns `kernel_load_base`
// from load_elf_ram_sym() (https://github.com/qemu/qemu/blob/v7.2.0/hw/riscv/boot.c), and
// hw/riscv/virt.c hands that address to OpenSBI's fw_dynamic as the next stage
// (https://github.com/qemu/qemu/blob/v7.2.0/hw/riscv/virt.c, virt_machine_done). The image
// rust-sel4's `sel4-kernel-loader-add-payload` writes has its ELF header at the lowest address
// and `_start` later, so on stock QEMU OpenSBI jumps into the ELF header and the guest hangs
// after OpenSBI's banner (rust-sel4's CI boots riscv64 with a patched QEMU:
// https://github.com/seL4/rust-sel4/blob/v5.0.0/hacking/nix/scope/worlds.nix).
//
// The way round on any QEMU: the image goes in through QEMU's generic loader device
// (`-device loader,file=<image>`, which loads an ELF's segments and, without cpu-num, leaves
// every CPU alone: https://github.com/qemu/qemu/blob/v7.2.0/docs/system/generic-loader.rst), and
// -kernel is a 24-byte ELF of our own whose only segment is a jump to the image's entry point.
// OpenSBI starts that stub (its lowest address is its entry), with a0 = hart id and a1 = the
// device tree untouched, and the stub jumps on.

export interface ElfLoad {
  entry: bigint;
  /** Lowest and highest (exclusive) physical address of the PT_LOAD segments' memory. */
  low: bigint;
  high: bigint;
}

const PT_LOAD = 1;
const EM_RISCV = 243;

/** The entry point and load range of a 64-bit little-endian RISC-V ELF executable (undefined: not one). */
export function readElfLoad(bytes: Buffer): ElfLoad | undefined {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1) return undefined;
  if (bytes.readUInt16LE(18) !== EM_RISCV) return undefined;
  const entry = bytes.readBigUInt64LE(24);
  const phoff = Number(bytes.readBigUInt64LE(32));
  const phentsize = bytes.readUInt16LE(54);
  const phnum = bytes.readUInt16LE(56);
  let low: bigint | undefined;
  let high = 0n;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 56 > bytes.length) return undefined;
    if (bytes.readUInt32LE(at) !== PT_LOAD) continue;
    const paddr = bytes.readBigUInt64LE(at + 24);
    const memsz = bytes.readBigUInt64LE(at + 40);
    if (memsz === 0n) continue;
    if (low === undefined || paddr < low) low = paddr;
    if (paddr + memsz > high) high = paddr + memsz;
  }
  return low === undefined ? undefined : { entry, low, high };
}

/**
 * The stub's code (RV64I, no compressed instructions): auipc t0, 0; ld t0, 16(t0); jr t0; nop;
 * then the 8-byte target address, 8-byte aligned for ld. 24 bytes; only t0 is changed.
 */
export function jumpCode(target: bigint): Buffer {
  const code = Buffer.alloc(24);
  code.writeUInt32LE(0x00000297, 0); // auipc t0, 0
  code.writeUInt32LE(0x0102b283, 4); // ld t0, 16(t0)
  code.writeUInt32LE(0x00028067, 8); // jalr x0, 0(t0)
  code.writeUInt32LE(0x00000013, 12); // nop (addi x0, x0, 0): pads the address to 8 bytes
  code.writeBigUInt64LE(target, 16);
  return code;
}

/** A minimal ELF64 RISC-V executable with one PT_LOAD segment holding `code` at `addr` (its entry). */
export function stubElf(addr: bigint, code: Buffer): Buffer {
  const ehsize = 64;
  const phentsize = 56;
  const off = ehsize + phentsize; // code right after the one program header
  const b = Buffer.alloc(off + code.length);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // little endian
  b[6] = 1; // EV_CURRENT
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(EM_RISCV, 18);
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(addr, 24); // e_entry
  b.writeBigUInt64LE(BigInt(ehsize), 32); // e_phoff
  b.writeBigUInt64LE(0n, 40); // e_shoff
  b.writeUInt32LE(0, 48); // e_flags: no RVC, soft-float (the code uses neither)
  b.writeUInt16LE(ehsize, 52);
  b.writeUInt16LE(phentsize, 54);
  b.writeUInt16LE(1, 56); // e_phnum
  b.writeUInt16LE(64, 58); // e_shentsize
  b.writeUInt16LE(0, 60);
  b.writeUInt16LE(0, 62);
  const p = ehsize;
  b.writeUInt32LE(PT_LOAD, p);
  b.writeUInt32LE(5, p + 4); // R + X
  b.writeBigUInt64LE(BigInt(off), p + 8); // p_offset
  b.writeBigUInt64LE(addr, p + 16); // p_vaddr
  b.writeBigUInt64LE(addr, p + 24); // p_paddr
  b.writeBigUInt64LE(BigInt(code.length), p + 32); // p_filesz
  b.writeBigUInt64LE(BigInt(code.length), p + 40); // p_memsz
  b.writeBigUInt64LE(8n, p + 48); // p_align
  code.copy(b, off);
  return b;
}

/**
 * Where the stub goes: the first 2 MiB boundary after OpenSBI on QEMU's virt board, which is
 * where QEMU itself puts a raw -kernel on rv64 (riscv_calc_kernel_start_addr,
 * https://github.com/qemu/qemu/blob/v7.2.0/hw/riscv/boot.c) and so is kept free by OpenSBI.
 * The seL4 loader may later copy the kernel over it; the stub has run by then.
 */
export const STUB_ADDR = 0x8020_0000n;

export type EntryPlan = { kind: 'as-is' } | { kind: 'stub'; entry: bigint; stubAddr: bigint };

const hex = (n: bigint) => `0x${n.toString(16)}`;

/**
 * How to boot a riscv64 ELF image on QEMU's virt board so execution starts at its entry point:
 * as it is when the entry is the lowest loaded address, else through the jump stub. Throws with
 * the reason when neither can work.
 */
export function planEntry(image: string, bytes: Buffer): EntryPlan {
  const elf = readElfLoad(bytes);
  if (!elf) {
    throw new ActionError(
      `${image} is not a 64-bit RISC-V ELF executable with loadable segments; a riscv64 seL4 root task boots as the image sel4-kernel-loader-add-payload writes (an ELF). Check the kernel input.`,
    );
  }
  if (elf.entry === elf.low) return { kind: 'as-is' };
  if (elf.entry < elf.low || elf.entry >= elf.high) {
    throw new ActionError(
      `${image}: its entry point ${hex(elf.entry)} is outside its loaded segments (${hex(elf.low)}-${hex(elf.high)}); the image is broken.`,
    );
  }
  const stubEnd = STUB_ADDR + 24n;
  if (elf.low < stubEnd && elf.high > STUB_ADDR) {
    throw new ActionError(
      `${image} is loaded at ${hex(elf.low)}-${hex(elf.high)} and starts at ${hex(elf.entry)}, above its lowest address. QEMU's riscv virt board starts a -kernel at its lowest address (the ELF header here), so the action boots such images through a jump at ${hex(STUB_ADDR)}, which this image covers. Link the loader elsewhere, or boot with a QEMU that starts ELF images at their entry point (runner input).`,
    );
  }
  return { kind: 'stub', entry: elf.entry, stubAddr: STUB_ADDR };
}

/** The stub's file name in the boot's scratch folder. */
export const ENTRY_STUB = 'riscv64-entry-stub.elf';

/** Does this image need the stub? (an image not there yet, as in the dry run: yes, as images from add-payload do) */
export function needsEntryStub(image: string): boolean {
  if (!fs.existsSync(image)) return true;
  const elf = readElfLoad(fs.readFileSync(image));
  return !elf || elf.entry !== elf.low;
}

/** Checks the image and writes the stub it needs to `stub` (before the boot; throws with the reason). */
export function prepareEntry(image: string, stub: string): EntryPlan {
  const plan = planEntry(image, fs.readFileSync(image));
  if (plan.kind === 'stub') fs.writeFileSync(stub, stubElf(plan.stubAddr, jumpCode(plan.entry)));
  return plan;
}
