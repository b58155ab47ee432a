// The x86_64 preparation steps, for `npm run bench`: what the action does between the build and
// QEMU for kernels that are not booted as they are, next to the boot itself (TCG, QMP and the
// watcher, as the action boots), as a ratio:
//  - a Multiboot2 kernel: the GRUB ISO (grub-mkrescue, src/targets/bare-metal/grub.ts), then the boot of that ISO;
//  - a bootloader 0.11 kernel: the BIOS disk image from the generated builder crate
//    (src/targets/bare-metal/bootloader.ts), built against the STAND-IN `bootloader` crate
//    (test/standins/bootloader-registry: crates.io cannot be reached here), cold (the builder
//    compiled) and warm (compiled already, as on a second boot of the same run).
//
// Call from scripts/bench.ts:
//   import { benchPrepare } from './bench-prepare.js';
//   const rows = await benchPrepare({ tmp, runs: 3, root, path, kernel: { multiboot2, bootloaderConfig } });
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boot } from '../src/boot/qemu.js';
import { RUST_PANIC } from '../src/targets/common.js';
import { literal } from '../src/model/patterns.js';
import { buildGrubIso } from '../src/targets/bare-metal/grub.js';
import { buildBootloaderImage } from '../src/targets/bare-metal/bootloader.js';

const X86 = ['-accel', 'tcg', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await work();
  return (performance.now() - t) / 1000;
}

/** One boot as the action runs it; throws unless the guest passed (isa-debug-exit 0x10). */
async function bootSeconds(tmp: string, args: string[], expect: string): Promise<number> {
  const t = performance.now();
  const r = await boot({
    command: 'qemu-system-x86_64',
    args: [...X86, ...args],
    timeout: 60,
    idleTimeout: 0,
    logPath: path.join(tmp, 'prepare-boot.log'),
    qmp: true,
    vars: process.env,
    rules: { expect: [literal(expect)], failOn: [RUST_PANIC], ordered: true },
  });
  if (!((r.end.kind === 'exited' && r.end.status === 33) || r.end.kind === 'satisfied'))
    throw new Error(`bench: the boot of ${args.join(' ')} did not pass (${r.end.kind})`);
  return (performance.now() - t) / 1000;
}

export async function benchPrepare(o: {
  tmp: string;
  runs: number;
  root: string;
  /** PATH for cargo: with a `rust-lld` (the distro's lld), as the action provides it for build-std targets. */
  path: string;
  kernel: { multiboot2: string; bootloaderConfig: string };
}): Promise<string[]> {
  const rows: string[] = [];
  const row = (name: string, prep: number[], bootSecs: number[], note = '') =>
    rows.push(`| ${name} | ${median(prep).toFixed(2)} s | ${median(bootSecs).toFixed(2)} s | **${(median(prep) / median(bootSecs)).toFixed(2)}** | ${note} |`);

  const grubDir = path.join(o.tmp, 'grub');
  fs.mkdirSync(grubDir, { recursive: true });
  const isoSecs: number[] = [];
  const isoBoots: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    let iso = '';
    isoSecs.push(await seconds(async () => (iso = await buildGrubIso(o.kernel.multiboot2, grubDir, () => {}))));
    isoBoots.push(await bootSeconds(o.tmp, ['-cdrom', iso], 'all tests passed'));
  }
  row('Multiboot2 kernel: GRUB ISO (grub-mkrescue)', isoSecs, isoBoots, 'boot: GRUB from the ISO, then the kernel');

  // The builder crate against the stand-in bootloader, in a private CARGO_HOME.
  const home = path.join(o.tmp, 'cargo-home');
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(
    path.join(home, 'config.toml'),
    `[source.crates-io]\nreplace-with = "standin"\n[source.standin]\ndirectory = "${path.join(o.root, 'test/standins/bootloader-registry')}"\n`,
  );
  // RUSTC_BOOTSTRAP and rust-lld: the distro's stable rustc, as the action sets it up for build-std (the stand-in's UEFI app).
  const cargo = { cargo: '/usr/bin/cargo', env: { RUSTC: '/usr/bin/rustc', RUSTC_BOOTSTRAP: '1', CARGO_HOME: home, PATH: o.path } };
  const diskDir = path.join(o.tmp, 'bootloader');
  fs.mkdirSync(diskDir, { recursive: true });
  const cold = await seconds(() => buildBootloaderImage({ kernel: o.kernel.bootloaderConfig, workDir: diskDir, cargo }, '0.11', 'bios', () => {}));
  const warm: number[] = [];
  const diskBoots: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    let image = '';
    warm.push(
      await seconds(async () => (image = await buildBootloaderImage({ kernel: o.kernel.bootloaderConfig, workDir: diskDir, cargo }, '0.11', 'bios', () => {}))),
    );
    diskBoots.push(await bootSeconds(o.tmp, ['-drive', `format=raw,file=${image}`], 'stand-in bootloader image'));
  }
  row(
    'bootloader 0.11 kernel: BIOS disk image (builder crate, warm)',
    warm,
    diskBoots,
    `STAND-IN bootloader crate; cold (builder compiled): ${cold.toFixed(2)} s`,
  );

  return [
    '## 9. x86_64 preparation steps',
    '',
    `What the action does between the build and QEMU for an x86_64 kernel that is not booted as it is, next to the boot itself (TCG, QMP and the watcher, as the action boots), median of ${o.runs}. Ratio: preparation / boot.`,
    '',
    '| kernel: step | preparation | boot | ratio | note |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}
