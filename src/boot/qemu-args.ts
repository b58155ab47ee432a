/**
 * The QEMU command line, built as hermit-os/kernel's xtask does it
 * (https://github.com/hermit-os/kernel/blob/main/xtask/src/ci/qemu.rs): one table per
 * architecture, and one function per QEMU option, so each option is emitted exactly once and the
 * machine, cpu and memory inputs replace a family's default instead of being followed by it.
 */

import type { Log } from '../model/log.js';
import { shellJoin } from '../model/shell.js';
import { networkArgs, type Nic } from './network.js';

export { shellJoin };
import { type Forward } from '../model/conversation.js';

export type Accel = 'kvm' | 'tcg';

/** What kind of file the image is, from its first bytes: an ELF executable, a PE/COFF (.efi), or anything else (a raw disk image). */
export type ImageKind = 'elf' | 'pe' | 'raw';

export type QemuArch = 'x86_64' | 'aarch64' | 'riscv64' | 'riscv32' | 'arm';

/** The QEMU system emulator for each architecture, its Debian/Ubuntu package, and the host that runs it under KVM. */
export const QEMU_ARCHES: Record<QemuArch, { binary: string; aptPackage: string; kvmHost?: NodeJS.Architecture }> = {
  x86_64: { binary: 'qemu-system-x86_64', aptPackage: 'qemu-system-x86', kvmHost: 'x64' },
  aarch64: { binary: 'qemu-system-aarch64', aptPackage: 'qemu-system-arm', kvmHost: 'arm64' },
  riscv64: { binary: 'qemu-system-riscv64', aptPackage: 'qemu-system-misc', kvmHost: 'riscv64' },
  riscv32: { binary: 'qemu-system-riscv32', aptPackage: 'qemu-system-misc' },
  arm: { binary: 'qemu-system-arm', aptPackage: 'qemu-system-arm' },
};

/** Can this host run the architecture under KVM? */
export const kvmCapable = (arch: QemuArch, host: NodeJS.Architecture = process.arch) => QEMU_ARCHES[arch].kvmHost === host;

/** Everything a boot needs at boot time. */
export interface BootContext {
  /** Absolute path of the image to boot. */
  kernel: string;
  accel: Accel;
  /** A scratch directory for files the boot needs (firmware copies, ESP folders, ...). */
  workDir: string;
  /**
   * The way this boot boots the image, among the target plan's `boot.variants` (x86_64's
   * boot-firmware: both: `bios` or `uefi`); undefined when the plan has none.
   */
  variant?: string;
  /**
   * A folder shared by the boots of one image under its variants (workDir is each boot's own): for
   * work that does not depend on the variant (a builder crate). Undefined: workDir.
   */
  imageDir?: string;
  /** Local paths of the downloaded assets, by Asset.tool (in a dry run: their cached path or URL). */
  assets: Record<string, string>;
  /** What the image is (see detectImage in targets/common.ts). */
  image: ImageKind;
  /**
   * The build's cargo and its environment (toolchain, RUSTC), for a prepare step that builds a
   * helper program (bootloader 0.11's image builder); undefined for a prebuilt kernel.
   */
  cargo?: { cargo: string; env: Record<string, string> };
  /**
   * The build's `cargo build` command (argv), for a prepare step that runs a cargo subcommand with
   * the same arguments (bootimage's `cargo bootimage`); undefined for a prebuilt kernel.
   */
  cargoBuild?: string[];
  /** command: test: the Cargo.toml of the package the test executable belongs to (bootimage's runner reads it). */
  manifest?: string;
  /** Where a family's prepare says what it did (the image's log); absent in a dry run. */
  log?: Log;
}

/** How an image is handed to QEMU. */
export interface QemuLoad {
  kernel?: string;
  initrd?: string;
  /** -bios */
  bios?: string;
  /** -drive values, in order (pflash, disks). */
  drives?: string[];
  /** -cdrom: an ISO 9660 image (a GRUB or Limine ISO, or the user's own). */
  cdrom?: string;
  /** -device values that name the image (guest-loader). */
  devices?: string[];
}

/** The QEMU boot of a target, as a family declares it. */
export interface QemuBoot {
  arch: QemuArch;
  machine?: string;
  /** The CPU model under KVM and under TCG (undefined: QEMU's default). */
  cpu: Record<Accel, string | undefined>;
  memory?: string;
  smp?: number;
  /**
   * serial: the first serial port on stdout. semihosting: serial and the semihosting console muxed
   * on stdout, SYS_EXIT ends QEMU. serial+semihosting: serial on stdout and `-semihosting`.
   */
  console: 'serial' | 'semihosting' | 'serial+semihosting';
  /** -monitor none (false: QEMU's default, as Hermit's CI runs it). */
  noMonitor: boolean;
  /** -no-reboot: a reset ends QEMU instead of rebooting. */
  noReboot: boolean;
  /** -nic none */
  noNic?: boolean;
  /**
   * The network card a guest of this target drives (boot/network.ts NICS), used only when the
   * forward input forwards ports; undefined: the target has no network the action knows of, and
   * forward is an input error.
   */
  nic?: Nic;
  /** -global values */
  globals?: string[];
  /** -device values that do not depend on the image (isa-debug-exit). */
  devices?: string[];
  /** How the image is loaded (pure: names files, creates none). */
  load(ctx: BootContext): QemuLoad;
  /** -append */
  append?: string;
  /**
   * Creates the files load() names in ctx.workDir (an ESP folder, a writable firmware copy, a GRUB
   * ISO); may run a command, so the caller awaits it. Throws when the image cannot be booted.
   */
  prepare?(ctx: BootContext): void | Promise<void>;
  /** What prepare would do, for the dry-run plan (pure: reads the image when it exists, creates nothing). */
  describePrepare?(ctx: BootContext): Record<string, unknown>;
}

/** What the user chose: each of machine, cpu, memory replaces the default; undefined keeps it, null drops it (qemu-args sets it). */
export interface QemuChoices {
  machine?: string | null;
  cpu?: string | null;
  memory?: string | null;
  /** The user's extra arguments, last. */
  extra: string[];
  /** The forward input: TCP ports forwarded to the guest over user networking (empty: no network). */
  forwards?: Forward[];
}

/**
 * A path or other text inside a QEMU option value (`-drive file=...`, `-device loader,file=...`,
 * `-qmp unix:...,server=on`): QEMU splits option values at commas and reads a doubled comma as one
 * (https://www.qemu.org/docs/master/system/invocation.html: "to include a literal comma, double
 * it"). A workspace, TMPDIR or RUNNER_TEMP with a comma would otherwise break the option.
 */
export const qemuOptionValue = (s: string) => s.replace(/,/g, ',,');

const opt = (name: string, value: string | number | undefined | null) => (value === undefined || value === null ? [] : [name, String(value)]);
const each = (name: string, values: string[] | undefined) => (values ?? []).flatMap((v) => [name, v]);

export const accelArgs = (accel: Accel) => ['-accel', accel];
export const machineArgs = (q: QemuBoot, u: QemuChoices) => opt('-machine', u.machine === undefined ? q.machine : u.machine);
export const cpuArgs = (q: QemuBoot, u: QemuChoices, accel: Accel) => opt('-cpu', u.cpu === undefined ? q.cpu[accel] : u.cpu);
export const memoryArgs = (q: QemuBoot, u: QemuChoices) => opt('-m', u.memory === undefined ? q.memory : u.memory);
export const smpArgs = (q: QemuBoot) => opt('-smp', q.smp);

/** Headless: no display; the console on stdout. */
export function consoleArgs(q: QemuBoot): string[] {
  const display = ['-display', 'none'];
  switch (q.console) {
    case 'serial':
      return [...display, '-serial', 'stdio'];
    case 'serial+semihosting':
    case 'semihosting':
      // One muxed stdio chardev for the serial port and the semihosting console. Without chardev=,
      // QEMU writes the semihosting console to its stderr
      // (https://gitlab.com/qemu-project/qemu/-/blob/v7.2.0/semihosting/console.c), where the guest's
      // words would be neither judged nor kept out of the runner's workflow commands.
      return [...display, '-chardev', MUX_CONSOLE, '-serial', 'chardev:console', '-semihosting-config', SEMIHOSTING_ON_CONSOLE];
  }
}

const MUX_CONSOLE = 'stdio,id=console,mux=on';
const SEMIHOSTING_ON_CONSOLE = 'enable=on,target=native,chardev=console';

/**
 * Semihosting the user turned on in qemu-args (`-semihosting`, or `-semihosting-config` without
 * `chardev=`) is moved onto the serial console's stdio: otherwise QEMU writes the guest's
 * semihosting output to its own stderr. The serial port's `-serial stdio` becomes the muxed
 * chardev both share. Left as it is when no serial port is on stdio (nothing to share).
 */
export function semihostingOnConsole(argv: string[]): string[] {
  const at = (i: number, name: string) => argv[i] === name || argv[i] === `-${name}`;
  const wants = argv.some((_, i) => at(i, '-semihosting') || (at(i, '-semihosting-config') && !/(^|,)chardev=/.test(argv[i + 1] ?? '')));
  if (!wants) return argv;
  const hasMux = argv.some((_, i) => at(i, '-chardev') && argv[i + 1] === MUX_CONSOLE);
  const serialStdio = argv.findIndex((_, i) => at(i, '-serial') && argv[i + 1] === 'stdio');
  if (!hasMux && serialStdio < 0) return argv;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (i === serialStdio && !hasMux) {
      out.push('-chardev', MUX_CONSOLE, '-serial', 'chardev:console');
      i++;
    } else if (at(i, '-semihosting')) out.push('-semihosting-config', SEMIHOSTING_ON_CONSOLE);
    else if (at(i, '-semihosting-config') && i + 1 < argv.length && !/(^|,)chardev=/.test(argv[i + 1])) {
      out.push(argv[i], `${argv[i + 1]},chardev=console`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** Does the command line turn semihosting on (the guest may then call host file and command services)? */
export function usesSemihosting(argv: string[]): boolean {
  return argv.some((a) => a === '-semihosting' || a === '--semihosting' || a === '-semihosting-config' || a === '--semihosting-config');
}

export const monitorArgs = (q: QemuBoot) => (q.noMonitor ? ['-monitor', 'none'] : []);
export const rebootArgs = (q: QemuBoot) => (q.noReboot ? ['-no-reboot'] : []);
/** The network: the forwards on the target's card when ports are forwarded, else `-nic none` where the target has it. */
export function nicArgs(q: QemuBoot, u: QemuChoices): string[] {
  if (u.forwards?.length && q.nic) return networkArgs(u.forwards, q.nic);
  return q.noNic ? ['-nic', 'none'] : [];
}
export const globalArgs = (q: QemuBoot) => each('-global', q.globals);
export const deviceArgs = (q: QemuBoot, load: QemuLoad) => each('-device', [...(q.devices ?? []), ...(load.devices ?? [])]);
export const biosArgs = (load: QemuLoad) => opt('-bios', load.bios);
export const imageArgs = (load: QemuLoad) => [
  ...opt('-kernel', load.kernel),
  ...opt('-initrd', load.initrd),
  ...each('-drive', load.drives),
  ...opt('-cdrom', load.cdrom),
];
/**
 * The user's disk image as a drive the guest cannot change: with snapshot=on QEMU writes the
 * guest's writes to a temporary overlay (in TMPDIR) and drops it at exit
 * (https://www.qemu.org/docs/master/system/images.html#snapshot-mode), so the file in the workspace
 * stays as it was built.
 */
export const rawDrive = (file: string) => `format=raw,file=${qemuOptionValue(file)},snapshot=on`;
export const appendArgs = (q: QemuBoot) => opt('-append', q.append);

/** The whole QEMU command line: each option from its one function, then the user's extra arguments. */
export function qemuArgv(binary: string, q: QemuBoot, u: QemuChoices, ctx: BootContext): string[] {
  const load = q.load(ctx);
  return semihostingOnConsole([
    binary,
    ...accelArgs(ctx.accel),
    ...machineArgs(q, u),
    ...cpuArgs(q, u, ctx.accel),
    ...memoryArgs(q, u),
    ...smpArgs(q),
    ...consoleArgs(q),
    ...monitorArgs(q),
    ...rebootArgs(q),
    ...nicArgs(q, u),
    ...globalArgs(q),
    ...deviceArgs(q, load),
    ...biosArgs(load),
    ...imageArgs(load),
    ...appendArgs(q),
    ...u.extra,
  ]);
}

/** The QEMU architecture of a Rust target triple (its first component), for messages before a plan exists. */
export function archOfTriple(triple: string): QemuArch | undefined {
  const cpu = triple.split('-')[0];
  if (cpu === 'x86_64' || cpu === 'aarch64') return cpu;
  if (cpu.startsWith('riscv64')) return 'riscv64';
  if (cpu.startsWith('riscv32')) return 'riscv32';
  if (cpu.startsWith('thumb') || cpu.startsWith('arm')) return 'arm';
  return undefined;
}
