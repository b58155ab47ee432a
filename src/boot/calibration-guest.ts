// The calibration guest: a few hundred bytes of machine code that `accel: auto` boots under TCG
// and under KVM to see which is faster on this host (see calibrate.ts). It is written here, from
// TypeScript, so nothing is downloaded and every byte can be read below.
//
// What it does is what makes nested KVM slow, where every VM exit costs a trip through two
// hypervisors: it comes in through the same firmware path as the real boot (QEMU's PVH option ROM
// for a `-kernel` ELF, SeaBIOS for a disk), writes to the serial port polling its line status
// register before each byte (two port I/O exits per byte, as every kernel's serial driver does),
// spins on `pause` (a spin-wait; pause-loop exiting makes it exit under KVM), then ends QEMU with
// a status of its own: isa-debug-exit on x86 (0x10 -> status 33), PSCI SYSTEM_OFF on Arm (status 0).

/** Serial bytes the guest writes (COM1 / PL011), and `pause` (x86) / `yield` (Arm) iterations. */
export const SERIAL_BYTES = 512;
export const SPIN_ITERATIONS = 50_000;

/** QEMU's exit status when the x86 guest ran to its end: isa-debug-exit (0x10 << 1) | 1. */
export const X86_DONE_STATUS = 33;

type Item = { asm: string; bytes: number[] } | { label: string } | { asm: string; jump: number; to: string };

/** A tiny two-pass assembler: byte strings, labels, and short (rel8) jumps to labels. */
function assemble(items: Item[]): Buffer {
  const at = new Map<string, number>();
  let pc = 0;
  for (const it of items) {
    if ('label' in it) at.set(it.label, pc);
    else pc += 'jump' in it ? 2 : it.bytes.length;
  }
  const out: number[] = [];
  for (const it of items) {
    if ('label' in it) continue;
    if ('jump' in it) {
      const rel = at.get(it.to)! - (out.length + 2);
      if (rel < -128 || rel > 127) throw new Error(`${it.asm}: jump out of rel8 range`);
      out.push(it.jump, rel & 0xff);
    } else {
      out.push(...it.bytes);
    }
  }
  return Buffer.from(out);
}

const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

/**
 * The x86 program. `bits` is the CPU mode it starts in: 32 (PVH entry: protected mode, flat
 * segments, paging off) or 16 (real mode, a boot sector). The same instructions in both; an
 * operand-size prefix (0x66) marks the operands that are not of the mode's default size.
 */
export function x86Program(bits: 16 | 32): { code: Buffer; listing: string[] } {
  const o32 = bits === 32 ? [] : [0x66]; // a 32-bit operand
  const o16 = bits === 16 ? [] : [0x66]; // a 16-bit operand
  const items: Item[] = [
    { asm: 'cli', bytes: [0xfa] },
    { asm: `mov esi, ${SERIAL_BYTES}`, bytes: [...o32, 0xbe, ...le32(SERIAL_BYTES)] },
    { label: 'byte' },
    { asm: 'mov dx, 0x3fd            ; COM1 line status register', bytes: [...o16, 0xba, ...le16(0x3fd)] },
    { label: 'poll' },
    { asm: 'in al, dx', bytes: [0xec] },
    { asm: 'test al, 0x20            ; transmit holding register empty?', bytes: [0xa8, 0x20] },
    { asm: 'jz poll', jump: 0x74, to: 'poll' },
    { asm: 'mov dx, 0x3f8            ; COM1 data', bytes: [...o16, 0xba, ...le16(0x3f8)] },
    { asm: "mov al, '.'", bytes: [0xb0, 0x2e] },
    { asm: 'out dx, al', bytes: [0xee] },
    { asm: 'dec esi', bytes: [...o32, 0x4e] },
    { asm: 'jnz byte', jump: 0x75, to: 'byte' },
    { asm: `mov ecx, ${SPIN_ITERATIONS}`, bytes: [...o32, 0xb9, ...le32(SPIN_ITERATIONS)] },
    { label: 'spin' },
    { asm: 'pause', bytes: [0xf3, 0x90] },
    { asm: 'dec ecx', bytes: [...o32, 0x49] },
    { asm: 'jnz spin', jump: 0x75, to: 'spin' },
    { asm: 'mov dx, 0xf4             ; isa-debug-exit', bytes: [...o16, 0xba, ...le16(0xf4)] },
    { asm: 'mov eax, 0x10            ; QEMU exits with (0x10 << 1) | 1 = 33', bytes: [...o32, 0xb8, ...le32(0x10)] },
    { asm: 'out dx, eax', bytes: [...o32, 0xef] },
    { label: 'halt' },
    { asm: 'hlt', bytes: [0xf4] },
    { asm: 'jmp halt', jump: 0xeb, to: 'halt' },
  ];
  return { code: assemble(items), listing: items.map((i) => ('label' in i ? `${i.label}:` : `    ${i.asm}`)) };
}

/** Where the PVH ELF is loaded (1 MiB, like the kernels it stands for). */
const PVH_BASE = 0x100000;

/**
 * An x86_64 ELF executable that QEMU `-kernel` boots through its PVH option ROM: one PT_LOAD
 * segment (the whole file at 1 MiB), and a PT_NOTE holding XEN_ELFNOTE_PHYS32_ENTRY (type 18,
 * name "Xen"), the 32-bit entry point QEMU's pvh_load_elfboot looks for
 * (https://gitlab.com/qemu-project/qemu/-/blob/v7.2.0/hw/i386/x86.c,
 * https://xenbits.xen.org/docs/unstable/misc/pvh.html).
 */
export function pvhElf(): Buffer {
  const { code } = x86Program(32);
  const EHDR = 64;
  const PHDR = 56;
  const noteOff = EHDR + 2 * PHDR; // 176
  const note = Buffer.alloc(24);
  note.writeUInt32LE(4, 0); // n_namesz ("Xen\0")
  note.writeUInt32LE(8, 4); // n_descsz
  note.writeUInt32LE(18, 8); // n_type: XEN_ELFNOTE_PHYS32_ENTRY
  note.write('Xen\0', 12, 'latin1');
  const codeOff = noteOff + note.length; // 200
  note.writeBigUInt64LE(BigInt(PVH_BASE + codeOff), 16); // the entry point
  const size = codeOff + code.length;

  const ehdr = Buffer.alloc(EHDR);
  ehdr.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0); // \x7fELF, 64-bit, little-endian, version 1
  ehdr.writeUInt16LE(2, 16); // e_type: ET_EXEC
  ehdr.writeUInt16LE(62, 18); // e_machine: EM_X86_64
  ehdr.writeUInt32LE(1, 20); // e_version
  ehdr.writeBigUInt64LE(BigInt(PVH_BASE + codeOff), 24); // e_entry
  ehdr.writeBigUInt64LE(BigInt(EHDR), 32); // e_phoff
  ehdr.writeUInt16LE(EHDR, 52); // e_ehsize
  ehdr.writeUInt16LE(PHDR, 54); // e_phentsize
  ehdr.writeUInt16LE(2, 56); // e_phnum

  const phdr = (type: number, flags: number, off: number, addr: number, len: number, align: number) => {
    const p = Buffer.alloc(PHDR);
    p.writeUInt32LE(type, 0);
    p.writeUInt32LE(flags, 4);
    p.writeBigUInt64LE(BigInt(off), 8);
    p.writeBigUInt64LE(BigInt(addr), 16); // p_vaddr
    p.writeBigUInt64LE(BigInt(addr), 24); // p_paddr
    p.writeBigUInt64LE(BigInt(len), 32); // p_filesz
    p.writeBigUInt64LE(BigInt(len), 40); // p_memsz
    p.writeBigUInt64LE(BigInt(align), 48);
    return p;
  };
  const load = phdr(1, 5, 0, PVH_BASE, size, 0x1000); // PT_LOAD, R+X
  // p_align 4: QEMU finds the note's value at the name rounded up to p_align.
  const pnote = phdr(4, 4, noteOff, PVH_BASE + noteOff, note.length, 4); // PT_NOTE
  return Buffer.concat([ehdr, load, pnote, note, code]);
}

/** A BIOS boot sector (raw disk image) that SeaBIOS loads at 0x7c00 and runs in real mode. */
export function biosBootSector(): Buffer {
  const { code } = x86Program(16);
  const sector = Buffer.alloc(512);
  code.copy(sector, 0);
  sector.writeUInt16LE(0xaa55, 510);
  return sector;
}

/**
 * The aarch64 program, for the `virt` board booted with `-kernel` (an ELF at the start of RAM):
 * PL011 at 0x0900_0000 (flag register bit 5: transmit FIFO full), `yield` spin, then PSCI
 * SYSTEM_OFF through `hvc` (QEMU's PSCI conduit on virt without EL3 firmware), QEMU exits 0.
 * A64 encodings from the Arm ARM (DDI 0487): MOVZ/MOVK, LDR/STR (immediate), TBNZ, SUBS, B.NE, YIELD, HVC.
 */
export function aarch64Program(): Buffer {
  const w: number[] = [];
  const movz = (rd: number, imm: number, shift: number) => 0xd2800000 | ((shift / 16) << 21) | ((imm & 0xffff) << 5) | rd;
  const movk = (rd: number, imm: number, shift: number) => 0xf2800000 | ((shift / 16) << 21) | ((imm & 0xffff) << 5) | rd;
  const UART = 0x0900_0000;
  w.push(movz(1, UART >>> 16, 16)); //           mov  x1, #0x09000000      (PL011)
  w.push(movz(2, SERIAL_BYTES, 0)); //           mov  x2, #SERIAL_BYTES
  w.push(movz(3, 0x2e, 0)); //                   mov  x3, #'.'
  // byte:
  w.push(0xb9401824); //                          ldr  w4, [x1, #0x18]      (UARTFR)
  w.push(0x372fffe4); //                          tbnz w4, #5, byte         (TXFF: FIFO full)
  w.push(0xb9000023); //                          str  w3, [x1]             (UARTDR)
  w.push(0xf1000442); //                          subs x2, x2, #1
  w.push(0x54ffff81); //                          b.ne byte
  w.push(movz(2, SPIN_ITERATIONS & 0xffff, 0)); // mov  x2, #SPIN_ITERATIONS (low half)
  w.push(movk(2, SPIN_ITERATIONS >>> 16, 16)); //  movk x2, #..., lsl #16   (high half)
  // spin:
  w.push(0xd503203f); //                          yield
  w.push(0xf1000442); //                          subs x2, x2, #1
  w.push(0x54ffffc1); //                          b.ne spin
  w.push(movz(0, 0x0008, 0)); //                  mov  x0, #0x0008
  w.push(movk(0, 0x8400, 16)); //                 movk x0, #0x8400, lsl #16 (PSCI SYSTEM_OFF 0x84000008)
  w.push(0xd4000002); //                          hvc  #0
  // halt:
  w.push(0xd503207f); //                          wfi
  w.push(0x17ffffff); //                          b    halt
  const b = Buffer.alloc(w.length * 4);
  w.forEach((x, i) => b.writeUInt32LE(x >>> 0, i * 4));
  return b;
}

/** An aarch64 ELF with the program loaded (and entered) at the start of the virt board's RAM. */
export function aarch64Elf(): Buffer {
  const code = aarch64Program();
  const BASE = 0x4000_0000;
  const EHDR = 64;
  const PHDR = 56;
  const codeOff = EHDR + PHDR;
  const ehdr = Buffer.alloc(EHDR);
  ehdr.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  ehdr.writeUInt16LE(2, 16); // ET_EXEC
  ehdr.writeUInt16LE(183, 18); // EM_AARCH64
  ehdr.writeUInt32LE(1, 20);
  ehdr.writeBigUInt64LE(BigInt(BASE + codeOff), 24); // e_entry
  ehdr.writeBigUInt64LE(BigInt(EHDR), 32);
  ehdr.writeUInt16LE(EHDR, 52);
  ehdr.writeUInt16LE(PHDR, 54);
  ehdr.writeUInt16LE(1, 56);
  const p = Buffer.alloc(PHDR);
  p.writeUInt32LE(1, 0); // PT_LOAD
  p.writeUInt32LE(5, 4); // R+X
  p.writeBigUInt64LE(0n, 8);
  p.writeBigUInt64LE(BigInt(BASE), 16);
  p.writeBigUInt64LE(BigInt(BASE), 24);
  p.writeBigUInt64LE(BigInt(codeOff + code.length), 32);
  p.writeBigUInt64LE(BigInt(codeOff + code.length), 40);
  p.writeBigUInt64LE(0x1000n, 48);
  return Buffer.concat([ehdr, p, code]);
}
