// The x86_64 boot-protocol detector, on ELF images assembled here byte by byte (the e2e tests in
// test/e2e/x86_64-formats.test.ts run it on kernels cargo built).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BOOT_FIRMWARE_INPUT,
  BOOT_PROTOCOL_INPUT,
  detectProtocol,
  findMultiboot1,
  findMultiboot2,
  readElf,
  resolveProtocol,
} from '../../../../src/targets/bare-metal/protocol.js';
import { x86_64None } from '../../../../src/targets/bare-metal/x86_64.js';
import { InputError } from '../../../../src/model/errors.js';
import { tempDir } from '../../../helpers/tmp.js';

/**
 * A little-endian ELF of the given class: the header, one PT_NOTE segment holding `notes`, the
 * bytes of `body` at file offset 0x200, and a section table naming `sections` (plus .shstrtab).
 */
function elf(opts: { bits?: 32 | 64; notes?: { name: string; type: number }[]; sections?: string[]; body?: Buffer; size?: number }): Buffer {
  const is64 = (opts.bits ?? 64) === 64;
  const buf = Buffer.alloc(Math.max(opts.size ?? 0x4000, 0x1000 + (opts.body?.length ?? 0)));
  buf.write('\x7fELF', 0, 'latin1');
  buf[4] = is64 ? 2 : 1;
  buf[5] = 1;
  buf[6] = 1;
  buf.writeUInt16LE(2, 16); // ET_EXEC
  buf.writeUInt16LE(is64 ? 62 : 3, 18);
  const w = (o: number, v: number) => (is64 ? buf.writeBigUInt64LE(BigInt(v), o) : buf.writeUInt32LE(v, o));
  // Notes at 0x100.
  let p = 0x100;
  for (const n of opts.notes ?? []) {
    const name = Buffer.from(`${n.name}\0`, 'latin1');
    buf.writeUInt32LE(name.length, p);
    buf.writeUInt32LE(8, p + 4);
    buf.writeUInt32LE(n.type, p + 8);
    name.copy(buf, p + 12);
    p += 12 + Math.ceil(name.length / 4) * 4 + 8;
  }
  const phoff = 0x80;
  w(is64 ? 32 : 28, phoff);
  buf.writeUInt16LE(is64 ? 56 : 32, is64 ? 54 : 42);
  buf.writeUInt16LE(1, is64 ? 56 : 44);
  buf.writeUInt32LE(4, phoff); // PT_NOTE
  w(phoff + (is64 ? 8 : 4), 0x100);
  w(phoff + (is64 ? 32 : 16), p - 0x100);
  opts.body?.copy(buf, 0x200);
  // Section names and table at the end of the file.
  const names = ['', ...(opts.sections ?? []), '.shstrtab'];
  const strtab = Buffer.from(names.join('\0') + '\0', 'latin1');
  const strOff = buf.length - 0x800;
  strtab.copy(buf, strOff);
  const shentsize = is64 ? 64 : 40;
  const shoff = strOff + 0x200;
  w(is64 ? 40 : 32, shoff);
  buf.writeUInt16LE(shentsize, is64 ? 58 : 46);
  buf.writeUInt16LE(names.length, is64 ? 60 : 48);
  buf.writeUInt16LE(names.length - 1, is64 ? 62 : 50);
  let nameOff = 0;
  names.forEach((n, i) => {
    const sh = shoff + i * shentsize;
    buf.writeUInt32LE(nameOff, sh);
    nameOff += n.length + 1;
    if (i === names.length - 1) {
      buf.writeUInt32LE(3, sh + 4); // SHT_STRTAB
      w(sh + (is64 ? 24 : 16), strOff);
      w(sh + (is64 ? 32 : 20), strtab.length);
    }
  });
  return buf;
}

function mb1(flags: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(0x1badb002, 0);
  b.writeUInt32LE(flags, 4);
  b.writeUInt32LE(-(0x1badb002 + flags) >>> 0, 8);
  return b;
}

function mb2(): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xe85250d6, 0);
  b.writeUInt32LE(0, 4);
  b.writeUInt32LE(24, 8);
  b.writeUInt32LE(-(0xe85250d6 + 0 + 24) >>> 0, 12);
  b.writeUInt16LE(0, 16); // end tag
  b.writeUInt32LE(8, 20);
  return b;
}

test('readElf: class, notes from PT_NOTE and section names', () => {
  const e = readElf(elf({ notes: [{ name: 'Xen', type: 18 }], sections: ['.text', '.bootloader-config'] }))!;
  assert.equal(e.class, 64);
  assert.deepEqual(e.notes, [{ name: 'Xen', type: 18 }]);
  assert.deepEqual(e.sections, ['', '.text', '.bootloader-config', '.shstrtab']);
  assert.equal(readElf(elf({ bits: 32 }))!.class, 32);
  assert.equal(readElf(Buffer.from('not an elf')), undefined);
});

test('PVH: the Xen note of type 18, not another Xen note', () => {
  assert.deepEqual(detectProtocol(elf({ notes: [{ name: 'Xen', type: 18 }] })), { protocol: 'pvh', evidence: 'PVH note (Xen, type 18)', elfClass: 64 });
  assert.equal(detectProtocol(elf({ notes: [{ name: 'Xen', type: 17 }] })), undefined);
  assert.equal(detectProtocol(elf({ notes: [{ name: 'GNU', type: 18 }] })), undefined);
});

test('multiboot (1): magic with a valid checksum, 4-byte aligned, in the first 8 KiB', () => {
  const d = detectProtocol(elf({ bits: 32, body: mb1(0) }))!;
  assert.equal(d.protocol, 'multiboot');
  assert.equal(d.evidence, 'Multiboot header at 0x200');
  assert.equal(d.multibootUnloadable, false);
  // A bad checksum, a misaligned header, or one past 8 KiB is no header.
  const bad = mb1(0);
  bad.writeUInt32LE(1, 8);
  assert.equal(findMultiboot1(elf({ bits: 32, body: bad })), undefined);
  assert.equal(findMultiboot1(elf({ bits: 32, body: Buffer.concat([Buffer.alloc(2), mb1(0)]) })), undefined);
  assert.equal(findMultiboot1(elf({ bits: 32, body: Buffer.concat([Buffer.alloc(8192), mb1(0)]) })), undefined);
});

test('multiboot (1) in a 64-bit ELF: loadable with the address fields (flag bit 16), else QEMU refuses it', () => {
  const withAddr = detectProtocol(elf({ body: mb1(0x10000) }))!;
  assert.equal(withAddr.protocol, 'multiboot');
  assert.equal(withAddr.multibootAddresses, true);
  assert.equal(withAddr.multibootUnloadable, false);
  const without = detectProtocol(elf({ body: mb1(0x3) }))!;
  assert.equal(without.multibootUnloadable, true);
  // ...and a multiboot2 header next to it wins.
  const both = detectProtocol(elf({ body: Buffer.concat([mb2(), mb1(0x3)]) }))!;
  assert.equal(both.protocol, 'multiboot2');
  assert.deepEqual(both.alsoFound, ['multiboot']);
});

test('multiboot2: magic, architecture, length and checksum, 8-byte aligned, in the first 32 KiB', () => {
  assert.equal(detectProtocol(elf({ body: mb2() }))!.protocol, 'multiboot2');
  assert.equal(findMultiboot2(elf({ body: Buffer.concat([Buffer.alloc(4), mb2()]) })), undefined);
  assert.equal(findMultiboot2(elf({ body: Buffer.concat([Buffer.alloc(32768), mb2()]), size: 0x10000 })), undefined);
  const bad = mb2();
  bad.writeUInt32LE(32, 8);
  assert.equal(findMultiboot2(elf({ body: bad })), undefined);
});

test('PVH wins over multiboot in a kernel that has both (no extra step)', () => {
  const d = detectProtocol(elf({ bits: 32, notes: [{ name: 'Xen', type: 18 }], body: mb1(0) }))!;
  assert.equal(d.protocol, 'pvh');
  assert.deepEqual(d.alsoFound, ['multiboot']);
});

test('Limine request markers and the bootloader 0.11 config section', () => {
  const limine = Buffer.alloc(32);
  limine.writeBigUInt64LE(0xc7b1dd30df4c8b88n, 0);
  limine.writeBigUInt64LE(0x0a82e883a194f07bn, 8);
  assert.equal(detectProtocol(elf({ body: limine }))!.protocol, 'limine');
  const base = Buffer.alloc(24);
  base.writeBigUInt64LE(0xf9562b2d5c95a6c8n, 0);
  base.writeBigUInt64LE(0x6a7b384944536bdcn, 8);
  assert.equal(detectProtocol(elf({ body: base }))!.protocol, 'limine');
  assert.equal(detectProtocol(elf({ sections: ['.text', '.bootloader-config'] }))!.protocol, 'bootloader');
});

test('ISO 9660, PE and raw disk images', () => {
  const iso = Buffer.alloc(0x9000);
  iso.write('\x01CD001', 0x8000, 'latin1');
  assert.equal(detectProtocol(iso)!.protocol, 'iso');
  assert.equal(detectProtocol(Buffer.from('MZ\x90\0'))!.protocol, 'pe');
  const disk = Buffer.alloc(512);
  disk.writeUInt16LE(0xaa55, 510);
  assert.equal(detectProtocol(disk)!.protocol, 'disk');
});

test('an ELF with no known header: one sentence naming every format and how it is made', () => {
  const dir = tempDir('protocol-');
  const f = path.join(dir, 'kernel');
  fs.writeFileSync(f, elf({ sections: ['.text'] }));
  assert.throws(
    () => resolveProtocol(f, 'auto'),
    (e: Error) => {
      assert.match(
        e.message,
        /is an ELF with no boot header this action knows; it looked for a PVH note .*Multiboot header .*objcopy -O elf32-i386.*Multiboot2 header .*GRUB ISO.*Limine requests.*\.bootloader-config.*; add one to the kernel, give a bootable ISO 9660 or raw BIOS disk image .* as the kernel input, or set boot-protocol/,
      );
      assert.equal(e.message.split('. ').length, 1, e.message);
      return true;
    },
  );
  assert.equal(resolveProtocol(f, 'multiboot2').protocol, 'multiboot2');
  fs.writeFileSync(f, elf({ body: mb1(0) }));
  assert.throws(() => resolveProtocol(f, 'auto'), /64-bit ELF with a Multiboot header, which QEMU's -kernel refuses .*objcopy -O elf32-i386/);
});

test('boot-protocol input: auto by default, one of the known names, else an error naming them', () => {
  assert.equal(BOOT_PROTOCOL_INPUT.parse(''), 'auto');
  assert.equal(BOOT_PROTOCOL_INPUT.parse('Multiboot2'), 'multiboot2');
  assert.throws(
    () => BOOT_PROTOCOL_INPUT.parse('grub'),
    (e: Error) => e instanceof InputError && /auto, pvh, multiboot, multiboot2, limine, bootloader, bootimage, iso, disk/.test(e.message),
  );
});

test('boot-firmware input: unset, bios, uefi or both; anything else names the values', () => {
  assert.equal(BOOT_FIRMWARE_INPUT.parse(''), undefined);
  assert.equal(BOOT_FIRMWARE_INPUT.parse('UEFI'), 'uefi');
  assert.equal(BOOT_FIRMWARE_INPUT.parse('bios'), 'bios');
  assert.equal(BOOT_FIRMWARE_INPUT.parse('Both'), 'both');
  assert.throws(
    () => BOOT_FIRMWARE_INPUT.parse('coreboot'),
    (e: Error) => e instanceof InputError && /'coreboot' is not a firmware this action knows\. Use bios, uefi or both/.test(e.message),
  );
});

test('boot-firmware: both: two variants (bios, uefi); OVMF installed; each boot reads its own firmware from the context; forced BIOS-only protocols refused naming both', () => {
  const p = x86_64None('x86_64-unknown-none', 'bootloader', undefined, undefined, undefined, 'both')!;
  assert.deepEqual(p.boot.variants, ['bios', 'uefi']);
  assert.deepEqual(
    p.install.firmware.map((f) => f.aptPackage),
    ['ovmf', 'ovmf'],
  );
  assert.equal(p.boot.qemu.memory, '256M');
  const ctx = (variant: string) => ({
    kernel: '/k',
    accel: 'tcg' as const,
    workDir: `/img/${variant}`,
    imageDir: '/img',
    variant,
    assets: {},
    image: 'elf' as const,
  });
  assert.deepEqual(p.boot.qemu.load(ctx('bios')).drives, ['format=raw,file=/img/bios/bootloader-bios.img,snapshot=on']);
  assert.deepEqual(p.boot.qemu.load(ctx('uefi')).drives, [
    'if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd',
    'if=pflash,format=raw,file=/img/uefi/OVMF_VARS.fd',
    'format=raw,file=/img/uefi/bootloader-uefi.img,snapshot=on',
  ]);
  const uefi = p.boot.qemu.describePrepare!(ctx('uefi')) as { protocol: string; commands: string[] };
  assert.match(uefi.protocol, /UEFI disk image/);
  assert.match(uefi.commands[0], /--manifest-path \/img\/bootloader-builder\/Cargo\.toml -- \/k uefi \/img\/uefi\/bootloader-uefi\.img$/);
  // One firmware: no variants.
  assert.equal(x86_64None('x86_64-unknown-none', 'bootloader', undefined, undefined, undefined, 'uefi')!.boot.variants, undefined);
  assert.throws(
    () => x86_64None('x86_64-unknown-none', 'multiboot', undefined, undefined, undefined, 'both'),
    (e: Error) =>
      e instanceof InputError &&
      /'boot-firmware': is both, but boot-protocol multiboot is a multiboot kernel, which this action boots under BIOS only/.test(e.message),
  );
});

test('boot-firmware: uefi: OVMF as pflash before the GRUB ISO; PVH, multiboot and bootimage refused at plan time naming the input and the kernels that work', () => {
  const p = x86_64None('x86_64-unknown-none', 'multiboot2', undefined, undefined, undefined, 'uefi')!;
  assert.deepEqual(
    p.install.firmware.map((f) => f.aptPackage),
    ['ovmf', 'ovmf'],
  );
  assert.equal(p.boot.qemu.memory, '256M');
  const load = p.boot.qemu.load({ kernel: '/k', accel: 'tcg', workDir: '/w', assets: {}, image: 'elf' });
  assert.deepEqual(load.drives, ['if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd', 'if=pflash,format=raw,file=/w/OVMF_VARS.fd']);
  assert.equal(load.cdrom, '/w/grub.iso');
  for (const choice of ['pvh', 'multiboot', 'bootimage'] as const) {
    assert.throws(
      () => x86_64None('x86_64-unknown-none', choice, undefined, undefined, undefined, 'uefi'),
      (e: Error) =>
        e instanceof InputError &&
        /'boot-firmware'.*is uefi, but boot-protocol \w+ is a .*which this action boots under BIOS only.*multiboot2 kernel, Limine kernel, bootloader 0\.11 kernel, ISO image, raw disk image/.test(
          e.message,
        ),
    );
  }
  // A bootloader 0.11 kernel: the UefiBoot image after OVMF, its builder run for uefi (the BIOS image under BIOS).
  const ctx = { kernel: '/k', accel: 'tcg' as const, workDir: '/w', assets: {}, image: 'elf' as const };
  const bl = x86_64None('x86_64-unknown-none', 'bootloader', undefined, undefined, undefined, 'uefi')!.boot.qemu;
  assert.deepEqual(bl.load(ctx).drives, [...load.drives!, 'format=raw,file=/w/bootloader-uefi.img,snapshot=on']);
  const described = bl.describePrepare!(ctx) as { protocol: string; commands: string[] };
  assert.equal(described.protocol, 'bootloader 0.11 kernel -> UEFI disk image (a generated builder crate: bootloader::UefiBoot) -> QEMU -drive format=raw');
  assert.match(described.commands[0], / -- \/k uefi \/w\/bootloader-uefi\.img$/);
  const bios = x86_64None('x86_64-unknown-none', 'bootloader')!.boot.qemu;
  assert.deepEqual(bios.load(ctx).drives, ['format=raw,file=/w/bootloader-bios.img,snapshot=on']);
  assert.match((bios.describePrepare!(ctx) as { commands: string[] }).commands[0], / -- \/k bios \/w\/bootloader-bios\.img$/);
  // BIOS, the default: no OVMF.
  assert.deepEqual(x86_64None('x86_64-unknown-none', 'multiboot2')!.install.firmware, []);
});
