// End-to-end: x86_64 kernels as people build them, through the bundled action (dist/index.js)
// under default inputs: a Multiboot (1) kernel booted by QEMU's -kernel, a Multiboot2 kernel
// booted through a real GRUB ISO (grub-mkrescue from Debian's packages), a custom JSON target spec
// built with build-std, and ELFs QEMU would refuse, which fail before QEMU with the fix. The
// kernels are built by cargo from test/kernels/x86_64-multiboot(2) (no crates.io dependencies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, runAction } from '../helpers/action.js';
import { assertFail, assertPass } from '../helpers/example.js';
import { tempDir } from '../helpers/tmp.js';
import { grubCfg } from '../../src/targets/bare-metal/grub.js';
import { buildLimineIso, LIMINE_DIR_TOOL, LIMINE_SHA256, LIMINE_TOOL, limineConf, xorrisoArgv, type LimineOnce } from '../../src/targets/bare-metal/limine.js';
import { readRunnerEnv } from '../../src/model/runner-env.js';
import { createHash } from 'node:crypto';
import { serve } from '../helpers/http-server.js';
import { limineKernel, limineStandin, STANDIN_LINE } from '../helpers/limine-standin.js';

const TARGET_DIR = tempDir('e2e-x86_64-formats-target-');
const env = { CARGO_TARGET_DIR: TARGET_DIR };
const ISO_DIR = tempDir('e2e-x86_64-formats-iso-');
const WELL_BEHAVED_MB2 = path.join(ISO_DIR, 'multiboot2-kernel');

function boot(crate: 'x86_64-multiboot' | 'x86_64-multiboot2', feature?: string, inputs: Record<string, string> = {}) {
  const hello = crate === 'x86_64-multiboot' ? 'Hello from a multiboot kernel!' : 'Hello from a multiboot2 kernel!';
  return runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': `test/kernels/${crate}`,
      toolchain: 'distro',
      expect: `${hello}\nall tests passed`,
      timeout: '60',
      ...(feature ? { 'cargo-args': `--features ${feature}` } : {}),
      ...inputs,
    },
    { env },
  );
}

test('multiboot: a 64-bit ELF with the header address fields passes through QEMU -kernel', async () => {
  const r = await boot('x86_64-multiboot');
  assertPass(r);
  assert.equal(r.outputs['exit-code'], '33');
  assert.match(r.stdout, /Boot protocol: multiboot kernel -> QEMU -kernel \(Multiboot header at 0x[0-9a-f]+ with address fields\)/);
  assert.match(r.outputs['qemu-command'], /-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel \S+\/multiboot-kernel$/);
});

test('multiboot: a panic fails', async () => {
  const r = await boot('x86_64-multiboot', 'panic');
  assertFail(r, /^Failure line at serial line \d+: "panicked at /);
});

test('multiboot: a triple fault after the lines fails (QEMU exits 0)', async () => {
  const r = await boot('x86_64-multiboot', 'triple-fault');
  assertFail(r, /^QEMU exited with status 0 because the guest reset the machine/);
});

test('multiboot: a header without address fields in a 64-bit ELF fails before QEMU, with the objcopy fix', async () => {
  const r = await boot('x86_64-multiboot', 'no-addresses');
  // The kernel cannot boot as built: the user's to fix (fail), not the runner's (error).
  assertFail(
    r,
    /is a 64-bit ELF with a Multiboot header, which QEMU's -kernel refuses \("Cannot load x86-64 image, give a 32bit one"\): convert it with `objcopy -O elf32-i386`/,
  );
  assert.equal(r.outputs['qemu-command'] ?? '', '', 'QEMU never started');
});

test('an ELF with no boot header fails before QEMU, naming the formats looked for and how each is made', async () => {
  const r = await boot('x86_64-multiboot', 'no-header');
  assertFail(
    r,
    /is an ELF with no boot header this action knows; it looked for a PVH note .*a Multiboot header .*a Multiboot2 header .*GRUB ISO.*Limine requests.*\.bootloader-config.*or set boot-protocol/,
  );
  assert.equal(r.outputs['qemu-command'] ?? '', '', 'QEMU never started');
});

test('multiboot2: passes through a GRUB ISO (grub-mkrescue, -cdrom) under default inputs', async () => {
  const r = await boot('x86_64-multiboot2');
  assertPass(r);
  assert.equal(r.outputs['exit-code'], '33');
  assert.match(r.stdout, /Boot protocol: multiboot2 kernel -> GRUB ISO \(grub-mkrescue\) -> QEMU -cdrom \(Multiboot2 header at 0x[0-9a-f]+\)/);
  assert.match(r.stdout, /\[command\]grub-mkrescue -o \S+\/grub\.iso \S+\/grub-iso/);
  assert.match(r.outputs['qemu-command'], /-device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom \S+\/grub\.iso$/);
  // Kept for the next case (the misbehaving variants overwrite the path).
  fs.copyFileSync(r.outputs.kernel, WELL_BEHAVED_MB2);
});

test('an ISO built by the user (here with grub-mkrescue) given as the kernel input is detected and booted with -cdrom', async () => {
  const root = path.join(ISO_DIR, 'root');
  fs.mkdirSync(path.join(root, 'boot', 'grub'), { recursive: true });
  fs.copyFileSync(WELL_BEHAVED_MB2, path.join(root, 'boot', 'kernel'));
  fs.writeFileSync(path.join(root, 'boot', 'grub', 'grub.cfg'), grubCfg());
  const iso = path.join(ISO_DIR, 'os.iso');
  const mk = spawnSync('grub-mkrescue', ['-o', iso, root], { encoding: 'utf8' });
  assert.equal(mk.status, 0, mk.stderr);
  const r = await runAction(
    { target: 'x86_64-unknown-none', kernel: iso, expect: 'Hello from a multiboot2 kernel!\nall tests passed', timeout: '60' },
    { env },
  );
  assertPass(r);
  assert.match(r.stdout, /Boot protocol: ISO image -> QEMU -cdrom \(ISO 9660 volume descriptor/);
  assert.ok(r.outputs['qemu-command'].endsWith(`-cdrom ${iso}`), r.outputs['qemu-command']);
});

test('multiboot2: a panic fails', async () => {
  const r = await boot('x86_64-multiboot2', 'panic');
  assertFail(r, /^Failure line at serial line \d+: "panicked at /);
});

test('multiboot2: a triple fault after the lines fails', async () => {
  const r = await boot('x86_64-multiboot2', 'triple-fault');
  assertFail(r, /^QEMU exited with status 0 because the guest reset the machine/);
});

test('boot-protocol: multiboot2 forced on a kernel without the header: GRUB says why and halts, and the run fails', async () => {
  const r = await boot('x86_64-multiboot', undefined, { 'boot-protocol': 'multiboot2', timeout: '60' });
  assertFail(r, /QEMU exited with status 0/);
  assert.match(fs.readFileSync(r.outputs.log, 'utf8'), /GRUB could not boot \/boot\/kernel/);
});

/**
 * crates.io cannot be reached here: a private CARGO_HOME points it at test/standins/bootloader-registry,
 * whose `bootloader` writes a boot sector that names the kernel's size instead of loading it, and
 * whose `bootimage` makes its disk image with that boot sector.
 */
function standinCargoHome(): string {
  const home = tempDir('e2e-bootloader-cargo-home-');
  fs.writeFileSync(
    path.join(home, 'config.toml'),
    `[source.crates-io]\nreplace-with = "standin"\n[source.standin]\ndirectory = "${path.join(ROOT, 'test/standins/bootloader-registry')}"\n`,
  );
  return home;
}

/** The multiboot test kernel with a `.bootloader-config` section (bootloader 0.11), through the STAND-IN bootloader crate. */
function bootloaderKernel(inputs: Record<string, string>) {
  return runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': 'test/kernels/x86_64-multiboot',
      toolchain: 'distro',
      'cargo-args': '--features bootloader-config',
      ...inputs,
    },
    { env: { ...env, CARGO_HOME: standinCargoHome() } },
  );
}

test('bootloader 0.11: a kernel with a .bootloader-config section gets a BIOS disk image from a generated builder crate (STAND-IN bootloader crate)', async () => {
  const r = await bootloaderKernel({ expect: 'stand-in bootloader image: kernel of', timeout: '60' });
  assertPass(r);
  assert.match(
    r.stdout,
    /Boot protocol: bootloader 0\.11 kernel -> BIOS disk image \(a generated builder crate: bootloader::BiosBoot\) -> QEMU -drive format=raw \(\.bootloader-config section/,
  );
  assert.match(
    r.stdout,
    /\[command\]\/usr\/bin\/cargo run --release --manifest-path \S+\/bootloader-builder\/Cargo\.toml -- \S+\/multiboot-kernel bios \S+\/bootloader-bios\.img/,
  );
  assert.match(r.outputs['qemu-command'], /-drive format=raw,file=\S+\/bootloader-bios\.img,snapshot=on$/);
  const size = fs.statSync(r.outputs.kernel).size;
  assert.match(fs.readFileSync(r.outputs.log, 'utf8'), new RegExp(`stand-in bootloader image: kernel of ${size} bytes`));
});

test('bootloader 0.11 under boot-firmware: uefi: the builder makes a UefiBoot image, booted after OVMF; judged on its own line (STAND-IN bootloader crate: a real UEFI app on a FAT image)', async () => {
  const r = await bootloaderKernel({ 'boot-firmware': 'uefi', expect: 'stand-in bootloader UEFI image: kernel of', timeout: '120' });
  assertPass(r);
  assert.match(
    r.stdout,
    /Boot protocol: bootloader 0\.11 kernel -> UEFI disk image \(a generated builder crate: bootloader::UefiBoot\) -> QEMU -drive format=raw \(\.bootloader-config section .*\), under UEFI \(OVMF\)/,
  );
  assert.match(
    r.stdout,
    /\[command\]\/usr\/bin\/cargo run --release --manifest-path \S+\/bootloader-builder\/Cargo\.toml -- \S+\/multiboot-kernel uefi \S+\/bootloader-uefi\.img/,
  );
  assert.match(
    r.outputs['qemu-command'],
    /-m 256M .*-drive if=pflash,format=raw,readonly=on,file=\/usr\/share\/OVMF\/OVMF_CODE\.fd -drive if=pflash,format=raw,file=\S+\/OVMF_VARS\.fd -drive format=raw,file=(\S+\/bootloader-uefi\.img),snapshot=on$/,
  );
  const log = fs.readFileSync(r.outputs.log, 'utf8');
  assert.match(log, new RegExp(`stand-in bootloader UEFI image: kernel of ${fs.statSync(r.outputs.kernel).size} bytes`));
  // The BIOS stand-in's line is not in it: the same image, expected to print that line, fails.
  const image = path.join(tempDir('e2e-bootloader-uefi-'), 'bootloader-uefi.img');
  fs.copyFileSync(/file=(\S+\/bootloader-uefi\.img)/.exec(r.outputs['qemu-command'])![1], image);
  const missing = await runAction(
    { target: 'x86_64-unknown-none', kernel: image, 'boot-firmware': 'uefi', expect: 'stand-in bootloader image: kernel of', timeout: '60' },
    { env },
  );
  assertFail(missing, /stand-in bootloader image: kernel of/);
  assert.match(fs.readFileSync(missing.outputs.log, 'utf8'), /stand-in bootloader UEFI image: kernel of/);
});

test('bootloader 0.11 under boot-firmware: both: one builder crate (built once, in the shared folder) makes each boot its image; both boots judged (STAND-IN bootloader crate)', async () => {
  const r = await bootloaderKernel({ 'boot-firmware': 'both', expect: '/stand-in bootloader (UEFI )?image: kernel of/', timeout: '120' });
  assertPass(r);
  const commands = [
    ...r.stdout.matchAll(/\[command\]\/usr\/bin\/cargo run --release --manifest-path (\S+)\/bootloader-builder\/Cargo\.toml -- \S+ (bios|uefi) (\S+)/g),
  ];
  assert.deepEqual(commands.map((m) => m[2]).sort(), ['bios', 'uefi']);
  assert.equal(commands[0][1], commands[1][1], 'one builder crate for both boots');
  for (const m of commands) assert.equal(m[3], path.join(m[1], m[2], `bootloader-${m[2]}.img`), "each image in its boot's own folder");
  const logs = fs.readdirSync(r.outputs.log).filter((f) => f.endsWith('-serial.log'));
  const text = (fw: string) =>
    fs.readFileSync(
      path.join(
        r.outputs.log,
        logs.find((f) => f.endsWith(`-${fw}-serial.log`))!,
      ),
      'utf8',
    );
  assert.match(text('bios'), /stand-in bootloader image: kernel of/);
  assert.match(text('uefi'), /stand-in bootloader UEFI image: kernel of/);
});

test('dry run with boot-protocol: multiboot2 shows the grub-mkrescue command and the -cdrom boot', async () => {
  const r = await boot('x86_64-multiboot2', undefined, { 'dry-run': 'true', 'boot-protocol': 'multiboot2' });
  assert.equal(r.code, 0, r.stdout.slice(-2000));
  const plan = JSON.parse(r.outputs.plan) as { boot: { prepare: { protocol: string; commands: string[] }; command: string }; install: unknown };
  assert.equal(plan.boot.prepare.protocol, 'multiboot2 kernel -> GRUB ISO (grub-mkrescue) -> QEMU -cdrom');
  assert.match(plan.boot.prepare.commands[0], /^grub-mkrescue -o \S+\/grub\.iso \S+\/grub-iso$/);
  assert.match(plan.boot.command, /-cdrom \S+\/grub\.iso$/);
});

test('a custom JSON target spec (blog_os layout, next to Cargo.toml) is built with build-std and boots', async () => {
  const r = await runAction(
    {
      target: 'x86_64-blog_os.json',
      'working-directory': 'test/kernels/x86_64-multiboot',
      toolchain: 'distro',
      expect: 'Hello from a multiboot kernel!\nall tests passed',
      timeout: '60',
    },
    { env },
  );
  assertPass(r);
  assert.equal(r.outputs.kernel, path.join(TARGET_DIR, 'x86_64-blog_os', 'debug', 'multiboot-kernel'));
  assert.match(r.stdout, /unstable\.json-target-spec=true .*--target x86_64-blog_os\.json/);
});

/** The bootimage test kernel (no header, [package.metadata.bootimage]) through the STAND-IN bootimage and bootloader. */
function bootimageKernel(inputs: Record<string, string> = {}) {
  return runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': 'test/kernels/x86_64-bootimage',
      toolchain: 'distro',
      expect: 'stand-in bootloader image: kernel of',
      timeout: '60',
      ...inputs,
    },
    { env: { ...env, CARGO_HOME: standinCargoHome() } },
  );
}

test('bootloader 0.9: no header in a crate with [package.metadata.bootimage]: bootimage installed and cargo bootimage run, run-args applied (STAND-IN bootimage)', async () => {
  const r = await bootimageKernel();
  assertPass(r);
  assert.match(
    r.stdout,
    /Boot protocol: bootloader 0\.9 kernel -> BIOS disk image \(cargo bootimage\) -> QEMU -drive format=raw \(no boot header; \[package\.metadata\.bootimage\] in \S+\/x86_64-bootimage\/Cargo\.toml\)/,
  );
  assert.match(r.stdout, /\[command\]\/usr\/bin\/cargo install bootimage --version 0\.10\.4 --locked --root \S+\/bootimage\/0\.10\.4/);
  // A [package.metadata.bootimage] table alone (no bootloader 0.9 dependency): installed once, at boot, when the image has no header.
  assert.equal(r.stdout.split('cargo install bootimage').length - 1, 1);
  // The build's own arguments, with bootimage in place of build (the vendored std source and build-std among them).
  assert.match(r.stdout, /\[command\]\/usr\/bin\/cargo bootimage --config \S+ .*--target x86_64-unknown-none -Zbuild-std=core,alloc,compiler_builtins /);
  assert.match(r.stdout, /run-args from \S+\/x86_64-bootimage\/Cargo\.toml: -m 96M/);
  const image = path.join(path.dirname(r.outputs.kernel), 'bootimage-bootimage-kernel.bin');
  assert.match(r.outputs['qemu-command'], new RegExp(`-drive format=raw,file=${image},snapshot=on -m 96M$`));
  const size = fs.statSync(r.outputs.kernel).size;
  assert.match(fs.readFileSync(r.outputs.log, 'utf8'), new RegExp(`stand-in bootloader image: kernel of ${size} bytes`));
});

test('bootloader 0.9: the same kernel given prebuilt fails before QEMU, with cargo bootimage as the fix', async () => {
  const kernel = path.join(TARGET_DIR, 'x86_64-unknown-none', 'debug', 'bootimage-kernel');
  const r = await runAction({ target: 'x86_64-unknown-none', kernel, 'working-directory': 'test/kernels/x86_64-bootimage', timeout: '60' }, { env });
  assertFail(r, /is a bootloader 0\.9 kernel, whose disk image cargo bootimage makes .*run `cargo bootimage` yourself/);
  assert.equal(r.outputs['qemu-command'] ?? '', '', 'QEMU never started');
});

test("bootloader 0.9, command: test: bootimage runner makes each test executable's image (its QEMU stubbed out), test-success-exit-code judges it (STAND-IN bootimage)", async () => {
  const r = await bootimageKernel({ command: 'test' });
  assertPass(r);
  assert.match(r.stdout, /\[command\]\S+\/bootimage\/0\.10\.4\/bin\/bootimage runner \S+\/deps\/boots-[0-9a-f]+/);
  assert.match(r.stdout, /test-success-exit-code from \S+\/x86_64-bootimage\/Cargo\.toml: QEMU status 33/);
  assert.match(r.stdout, /-drive format=raw,file=\S+\/deps\/bootimage-boots-[0-9a-f]+\.bin,snapshot=on/);
});

test("boot-firmware: uefi: the multiboot2 kernel passes through the same GRUB ISO under OVMF (GRUB's EFI image)", async () => {
  const r = await boot('x86_64-multiboot2', undefined, { 'boot-firmware': 'uefi', timeout: '120' });
  assertPass(r);
  assert.match(
    r.stdout,
    /Boot protocol: multiboot2 kernel -> GRUB ISO \(grub-mkrescue\) -> QEMU -cdrom \(Multiboot2 header at 0x[0-9a-f]+\), under UEFI \(OVMF\)/,
  );
  assert.match(
    r.outputs['qemu-command'],
    /-m 256M .*-drive if=pflash,format=raw,readonly=on,file=\/usr\/share\/OVMF\/OVMF_CODE\.fd -drive if=pflash,format=raw,file=\S+\/OVMF_VARS\.fd .*-cdrom \S+\/grub\.iso$/,
  );
});

test('boot-firmware: uefi with a multiboot (1) kernel (QEMU -kernel is BIOS only) fails before QEMU, naming the input and the kernels that work', async () => {
  const r = await boot('x86_64-multiboot', undefined, { 'boot-firmware': 'uefi' });
  assert.equal(r.outputs.result, 'error', r.stdout.slice(-2000));
  assert.match(
    r.stdout,
    /Input 'boot-firmware': is uefi, but \S+\/multiboot-kernel \(Multiboot header at 0x[0-9a-f]+ with address fields\) is a multiboot kernel, which this action boots under BIOS only\. Use boot-firmware: bios/,
  );
  assert.equal(r.outputs['qemu-command'] ?? '', '', 'QEMU never started');
});

test('boot-firmware: both: the multiboot2 kernel boots under BIOS and under UEFI (OVMF), each judged with a serial log of its own; the step passes when both pass', async () => {
  const r = await boot('x86_64-multiboot2', undefined, { 'boot-firmware': 'both', timeout: '120' });
  assertPass(r);
  assert.match(r.outputs.reason, /^All 2 boots passed\. x86_64-unknown-none \(bios\): .*; x86_64-unknown-none \(uefi\): /);
  assert.equal(r.outputs['exit-code'], '33');
  assert.match(r.stdout, /Boot protocol: multiboot2 kernel -> GRUB ISO \(grub-mkrescue\) -> QEMU -cdrom \(Multiboot2 header at 0x[0-9a-f]+\)\n/);
  assert.match(
    r.stdout,
    /Boot protocol: multiboot2 kernel -> GRUB ISO \(grub-mkrescue\) -> QEMU -cdrom \(Multiboot2 header at 0x[0-9a-f]+\), under UEFI \(OVMF\)/,
  );
  // The log output is the folder of both serial logs, each holding its own boot's lines.
  const logs = fs.readdirSync(r.outputs.log).filter((f) => f.endsWith('-serial.log'));
  assert.deepEqual(logs.sort(), ['x86_64-unknown-none_distro-bios-serial.log', 'x86_64-unknown-none_distro-uefi-serial.log']);
  for (const f of logs) assert.match(fs.readFileSync(path.join(r.outputs.log, f), 'utf8'), /Hello from a multiboot2 kernel!/);
  // qemu-command is the BIOS boot's: no OVMF in it.
  assert.doesNotMatch(r.outputs['qemu-command'], /OVMF/);
  assert.match(r.outputs['qemu-command'], /-cdrom \S+\/bios\/grub\.iso$/);
});

test('boot-firmware: both with a multiboot (1) kernel: the BIOS boot runs, the UEFI boot cannot, and the run ends in an error naming that boot and the input', async () => {
  const r = await boot('x86_64-multiboot', undefined, { 'boot-firmware': 'both' });
  assert.equal(r.outputs.result, 'error', r.stdout.slice(-2000));
  assert.match(
    r.outputs.reason,
    /^x86_64-unknown-none \(uefi\): Input 'boot-firmware': is both, but \S+\/multiboot-kernel \(Multiboot header at 0x[0-9a-f]+ with address fields\) is a multiboot kernel, which this action boots under BIOS only\./,
  );
  assert.match(r.stdout, /PASS x86_64-unknown-none \(bios\)/, 'the BIOS boot was judged and shown');
});

test('dry run with boot-firmware: both shows each boot: its preparation and its QEMU command', async () => {
  const r = await boot('x86_64-multiboot2', undefined, { 'boot-firmware': 'both', 'boot-protocol': 'multiboot2', 'dry-run': 'true' });
  assert.equal(r.outputs.result, 'dry-run', r.stdout.slice(-2000));
  const plan = JSON.parse(r.outputs.plan) as { boot: { command: string; boots: { name: string; command: string; prepare: { commands: string[] } }[] } };
  assert.deepEqual(
    plan.boot.boots.map((b) => b.name),
    ['x86_64-unknown-none (bios)', 'x86_64-unknown-none (uefi)'],
  );
  assert.equal(plan.boot.command, plan.boot.boots[0].command);
  assert.doesNotMatch(plan.boot.boots[0].command, /OVMF/);
  assert.match(plan.boot.boots[1].command, /OVMF_CODE\.fd .*-cdrom \S+\/uefi\/grub\.iso$/);
  assert.match(plan.boot.boots[1].prepare.commands[0], /^grub-mkrescue -o \S+\/uefi\/grub\.iso /);
});

/**
 * Limine: a crafted kernel holding the base revision tag (test/helpers/limine-standin.ts; crates.io
 * cannot be reached for the limine crate) and the STAND-IN Limine release
 * (test/standins/limine-binary/) given through the limine input: real make, xorriso and QEMU -cdrom,
 * a stand-in BIOS stage and host tool. The real release boots a real kernel in
 * .github/workflows/x86_64-formats.yml.
 */
function limineBoot(inputs: Record<string, string>) {
  return runAction({ target: 'x86_64-unknown-none', kernel: limineKernel(3), timeout: '60', ...inputs }, { env });
}

test('limine: a Limine kernel gets a Limine ISO (limine.conf, xorriso, limine bios-install) booted with -cdrom (STAND-IN Limine release)', async () => {
  const r = await limineBoot({ limine: limineStandin(), expect: STANDIN_LINE });
  assertPass(r);
  assert.equal(r.outputs['exit-code'], '33');
  assert.match(
    r.stdout,
    /Boot protocol: Limine kernel -> Limine ISO \(limine\.conf, xorriso, limine bios-install\) -> QEMU -cdrom \(Limine base revision tag\)/,
  );
  assert.match(r.stdout, /\[command\]make -C \S+\/limine-tool\n/);
  assert.match(
    r.stdout,
    /\[command\]xorriso -as mkisofs -R -r -J -b boot\/limine\/limine-bios-cd\.bin -no-emul-boot -boot-load-size 4 -boot-info-table -hfsplus -apm-block-size 2048 --efi-boot boot\/limine\/limine-uefi-cd\.bin -efi-boot-part --efi-boot-image --protective-msdos-label \S+\/limine-iso -o \S+\/limine\.iso\n/,
  );
  assert.match(r.stdout, /\[command\]\S+\/limine-tool\/limine bios-install (\S+\/limine\.iso)\nstand-in limine: bios-install \1 \(recorded/);
  const iso = /-cdrom (\S+\/limine\.iso)$/.exec(r.outputs['qemu-command'])![1];
  assert.ok(fs.existsSync(`${iso}.standin-bios-install`), 'bios-install ran on the ISO QEMU booted');
  // The ISO read back: the kernel and limine.conf as written, a BIOS and a UEFI El Torito entry.
  const out = tempDir('e2e-limine-extract-');
  const x = spawnSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/boot', path.join(out, 'boot')], { encoding: 'utf8' });
  assert.equal(x.status, 0, x.stderr);
  assert.deepEqual(fs.readFileSync(path.join(out, 'boot', 'kernel')), fs.readFileSync(r.outputs.kernel));
  assert.equal(fs.readFileSync(path.join(out, 'boot', 'limine', 'limine.conf'), 'utf8'), limineConf());
  const report = spawnSync('xorriso', ['-indev', iso, '-report_el_torito', 'plain'], { encoding: 'utf8' }).stdout;
  assert.match(report, /El Torito boot img :\s+1\s+BIOS\s+y\s+none/);
  assert.match(report, /El Torito boot img :\s+2\s+UEFI\s+y\s+none/);
  assert.match(report, /El Torito img path :\s+1\s+\/boot\/limine\/limine-bios-cd\.bin/);
  assert.match(report, /El Torito img path :\s+2\s+\/boot\/limine\/limine-uefi-cd\.bin/);
});

test('limine: the boot stage reporting failure through isa-debug-exit (0x11) fails (STAND-IN Limine release)', async () => {
  const r = await limineBoot({ limine: limineStandin({ exit: 0x11 }), expect: STANDIN_LINE });
  assertFail(r, /QEMU exited with status 35: the guest wrote 0x11 to isa-debug-exit/);
});

test("limine: Limine's panic line ends the run at once with its reason, not at the timeout (STAND-IN Limine release printing it, then hanging)", async () => {
  const panic = 'PANIC: limine: Failed to open executable with path `boot():/boot/kernel`. Is the path correct?';
  const r = await limineBoot({ limine: limineStandin({ line: panic, exit: null }), expect: STANDIN_LINE, timeout: '120' });
  assertFail(r, /^Failure line at serial line 1: "PANIC: limine: Failed to open executable/);
  assert.match(r.outputs.reason, /If Limine printed it, it could not boot the kernel/);
  assert.ok(r.seconds < 60, `ended after ${r.seconds} s`);
});

test('limine: a kernel asking for base revision 7 fails before QEMU with the pinned release, naming 7, 6 and the fix', async () => {
  const r = await runAction({ target: 'x86_64-unknown-none', kernel: limineKernel(7), timeout: '60' }, { env });
  assertFail(
    r,
    /asks for Limine base revision 7 \(its base revision tag\), but Limine 12\.9\.1, the release this action boots with, supports base revisions up to 6: build the kernel for revision 6 or lower/,
  );
  assert.equal(r.outputs['qemu-command'] ?? '', '', 'QEMU never started');
});

test('limine: dry run with boot-protocol: limine lists the pinned download and the make, xorriso and bios-install commands; under UEFI OVMF before -cdrom', async () => {
  const r = await limineBoot({ 'dry-run': 'true', 'boot-protocol': 'limine', 'boot-firmware': 'uefi' });
  assert.equal(r.code, 0, r.stdout.slice(-2000));
  const plan = JSON.parse(r.outputs.plan) as {
    boot: { prepare: { protocol: string; commands: string[] }; command: string };
    downloads: { url: string; checksum: string }[];
  };
  assert.equal(plan.boot.prepare.protocol, 'Limine kernel -> Limine ISO (limine.conf, xorriso, limine bios-install) -> QEMU -cdrom');
  assert.match(plan.boot.prepare.commands[0], /^make -C <limine-binary\.tar\.xz 12\.9\.1, unpacked>\/limine-binary$/);
  assert.match(plan.boot.prepare.commands[1], /^xorriso -as mkisofs .* -o \S+\/limine\.iso$/);
  assert.match(plan.boot.prepare.commands[2], /^<limine-binary\.tar\.xz 12\.9\.1, unpacked>\/limine-binary\/limine bios-install \S+\/limine\.iso$/);
  assert.deepEqual(
    plan.downloads.map((d) => [d.url, d.checksum]),
    [['https://github.com/Limine-Bootloader/Limine/releases/download/v12.9.1/limine-binary.tar.xz', `sha256 ${LIMINE_SHA256}`]],
  );
  assert.match(plan.boot.command, /-drive if=pflash,format=raw,readonly=on,file=\/usr\/share\/OVMF\/OVMF_CODE\.fd .*-cdrom \S+\/limine\.iso$/);
});

test('limine: a release whose digest matches is downloaded, unpacked (tar.xz), its host tool built once, and the ISO made (STAND-IN limine-binary.tar.xz from a local server, through src/)', async () => {
  // The download is pointed at 127.0.0.1 (no internet here); the tool cache and temp folder are this test's own.
  const saved = { cache: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP };
  const tmp = tempDir('e2e-limine-dl-');
  process.env.RUNNER_TOOL_CACHE = path.join(tmp, 'toolcache');
  process.env.RUNNER_TEMP = path.join(tmp, 'temp');
  const standin = limineStandin();
  const tar = spawnSync('tar', ['-cJf', path.join(tmp, 'limine-binary.tar.xz'), '-C', path.dirname(standin), 'limine-binary']);
  assert.equal(tar.status, 0);
  const tarball = fs.readFileSync(path.join(tmp, 'limine-binary.tar.xz'));
  const sha = createHash('sha256').update(tarball).digest('hex');
  const GOOD = '12.99.1';
  const server = await serve({
    [`/Limine-Bootloader/Limine/releases/download/v${GOOD}/limine-binary.tar.xz`]: [200, tarball],
    [`/repos/Limine-Bootloader/Limine/releases/tags/v${GOOD}`]: [200, JSON.stringify({ assets: [{ name: 'limine-binary.tar.xz', digest: `sha256:${sha}` }] })],
  });
  const host = { env: readRunnerEnv(process.env), hosts: { api: server.base, download: server.base } };
  try {
    const workDir = tempDir('e2e-limine-iso-');
    const kernel = limineKernel(3);
    const lines: string[] = [];
    const spec = { kind: 'release', version: GOOD } as const;
    const iso = await buildLimineIso({ kernel, workDir, spec, assets: {}, host }, (l) => lines.push(l));
    assert.equal(iso, path.join(workDir, 'limine.iso'));
    assert.deepEqual(fs.readdirSync(path.join(process.env.RUNNER_TOOL_CACHE, LIMINE_DIR_TOOL)), [GOOD]);
    assert.match(lines[0], new RegExp(`^\\[command\\]make -C \\S+/${LIMINE_DIR_TOOL}/${GOOD.replace(/\./g, '\\.')}/\\w+/limine-binary$`));
    assert.ok(lines.includes(`[command]${xorrisoArgv(workDir).join(' ')}`), lines.join('\n'));
    assert.ok(lines.includes(`stand-in limine: bios-install ${iso} (recorded; the image is not changed)`), lines.join('\n'));
    const out = tempDir('e2e-limine-extract-');
    assert.equal(spawnSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/boot', path.join(out, 'boot')]).status, 0);
    assert.deepEqual(fs.readFileSync(path.join(out, 'boot', 'kernel')), fs.readFileSync(kernel));
    // The second boot reuses the unpacked release and its built tool: no download, no make.
    const n = server.requests.length;
    const again: string[] = [];
    await buildLimineIso({ kernel, workDir: tempDir('e2e-limine-iso-'), spec, assets: {}, host }, (l) => again.push(l));
    assert.equal(server.requests.length, n);
    assert.ok(!again.some((l) => l.startsWith('[command]make')), again.join('\n'));
    // Two boots side by side (boot-firmware: both) sharing the run's LimineOnce: one download, one make, two ISOs.
    for (const t of [LIMINE_TOOL, LIMINE_DIR_TOOL]) fs.rmSync(path.join(process.env.RUNNER_TOOL_CACHE!, t), { recursive: true, force: true });
    const m = server.requests.length;
    const once: LimineOnce = new Map();
    const logs: string[][] = [[], []];
    const isos = await Promise.all(
      logs.map((log) => buildLimineIso({ kernel, workDir: tempDir('e2e-limine-iso-'), spec, assets: {}, host, once }, (l) => log.push(l))),
    );
    assert.notEqual(isos[0], isos[1]);
    for (const i of isos) assert.ok(fs.existsSync(i));
    const downloads = server.requests.slice(m).filter((u) => u.endsWith('/limine-binary.tar.xz'));
    assert.equal(downloads.length, 1, `one download for both boots: ${server.requests.slice(m).join(', ')}`);
    assert.equal(logs.flat().filter((l) => l.startsWith('[command]make')).length, 1, 'one make for both boots');
  } finally {
    server.close();
    for (const [k, v] of [
      ['RUNNER_TOOL_CACHE', saved.cache],
      ['RUNNER_TEMP', saved.temp],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
