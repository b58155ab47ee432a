import { consoleArgs, imageArgs, monitorArgs, qemuOptionValue, type QemuBoot, type QemuLoad } from '../../boot/qemu-args.js';
import type { Route, Sel4Arch } from './targets.js';
import { ARCH } from './targets.js';

/**
 * One seL4 boot as data: the parts the pipeline puts on QEMU's command line itself (-machine,
 * -cpu, -m) apart from the target's own arguments. The console options are the project's own
 * headless ones (the pipeline adds them); upstream's lines use -nographic -serial mon:stdio for a
 * terminal, which is the same serial port on stdout.
 */
export interface Sel4QemuLine {
  binary: string;
  aptPackage: string;
  /** -machine (undefined: QEMU's default, the PC on x86_64). */
  machine?: string;
  cpu: string;
  /** -m (e.g. 1024M). */
  memory: string;
  /** -smp, when the kernel was built for more than one core. */
  smp?: number;
  /** How the image gets in (-kernel, -initrd, -device loader), as the pipeline's QEMU command line takes it. */
  load: QemuLoad;
}

/** QEMU splits option values at commas; a comma in a path is written twice (boot/qemu-args.ts). */
export const qemuOptionPath = qemuOptionValue;

/**
 * The CPU model rust-sel4 boots x86_64 root tasks with under TCG: Nehalem without the features
 * the kernel is not built for (KernelFSGSBase=msr, no XSAVE, no PCID/INVPCID), `enforce`d so a
 * QEMU that cannot provide it refuses to start instead of booting something else.
 * https://github.com/seL4/rust-sel4/blob/v5.0.0/hacking/nix/scope/worlds.nix (x86 mkQEMUCmd)
 */
export const X86_64_ROOT_TASK_CPU = 'Nehalem,-vme,+pdpe1gb,-xsave,-xsaveopt,-xsavec,-fsgsbase,-invpcid,+syscall,+lm,enforce';
/** Microkit's x86_64_generic kernel uses FSGSBASE and XSAVE: https://github.com/seL4/microkit/blob/2.3.0/docs/manual.md (x86_64_generic). */
export const X86_64_MICROKIT_CPU = 'qemu64,+fsgsbase,+pdpe1gb,+xsaveopt,+xsave';

/**
 * Where Microkit's loader is linked on qemu_virt_aarch64, and so where QEMU's generic loader
 * device must put the image (not -kernel: the image is a raw binary):
 * https://github.com/seL4/microkit/blob/2.3.0/build_sdk.py (loader_link_address=0x70000000).
 */
export const MICROKIT_AARCH64_LOADER_ADDR = '0x70000000';

export interface RootTaskBoot {
  arch: Sel4Arch;
  /** aarch64/riscv64: the loader with the kernel and root task as payload (image.elf). x86_64: the root task. */
  image: string;
  /** x86_64 only: the kernel converted to elf32-i386 (QEMU's -kernel takes no 64-bit Multiboot ELF). */
  kernel32?: string;
  /** -m in MiB from platform_gen (undefined on x86_64). */
  memoryMiB?: number;
  smp?: number;
  /**
   * riscv64 only: the jump stub to the image's entry point (riscv-entry.ts), QEMU's -kernel; the
   * image then goes in through the generic loader device. undefined: the image is the -kernel.
   */
  entryStub?: string;
}

/**
 * Root task, from upstream's own command lines:
 * - aarch64: https://github.com/seL4/rust-root-task-demo/blob/main/Makefile (qemu_cmd:
 *   `-machine virt,virtualization=on -cpu cortex-a57 -m size=1G ... -kernel image.elf`); the kernel
 *   is built with KernelArmHypervisorSupport=ON (https://github.com/seL4/rust-root-task-demo/blob/main/docker/Dockerfile),
 *   so it needs EL2.
 * - riscv64: https://github.com/seL4/rust-sel4/blob/v5.0.0/hacking/nix/scope/worlds.nix
 *   (`-machine virt -cpu rv64 -m size=<QEMU_MEMORY>` and `-kernel` the loader; QEMU's own
 *   OpenSBI as the firmware, no -bios). On stock QEMU the image is loaded with the generic
 *   loader device and -kernel is a jump to its entry point (riscv-entry.ts says why).
 * - x86_64: same file, pc99: `-cpu Nehalem,...,enforce -m size=512M -kernel kernel32.elf -initrd <root task>`.
 */
export function rootTaskQemu(b: RootTaskBoot): Sel4QemuLine {
  const a = ARCH[b.arch];
  const base = { binary: a.qemuBinary, aptPackage: a.qemuApt, ...(b.smp && b.smp > 1 ? { smp: b.smp } : {}) };
  switch (b.arch) {
    case 'aarch64':
      return { ...base, machine: 'virt,virtualization=on', cpu: 'cortex-a57', memory: `${b.memoryMiB ?? 1024}M`, load: { kernel: b.image } };
    case 'riscv64':
      return {
        ...base,
        machine: 'virt',
        cpu: 'rv64',
        memory: `${b.memoryMiB ?? 3072}M`,
        load: b.entryStub ? { kernel: b.entryStub, devices: [`loader,file=${qemuOptionPath(b.image)}`] } : { kernel: b.image },
      };
    case 'x86_64':
      if (!b.kernel32) throw new Error('x86_64 root tasks boot with the elf32 kernel as -kernel');
      return { ...base, cpu: X86_64_ROOT_TASK_CPU, memory: '512M', load: { kernel: b.kernel32, initrd: b.image } };
  }
}

export interface MicrokitBoot {
  board: string;
  /** loader.img from `microkit ... -o loader.img`. */
  image: string;
  /** x86_64_generic: sel4_32.elf, which the microkit tool writes next to loader.img. */
  kernel32?: string;
  /** -m in MiB from the board's platform_gen.json (undefined on x86_64). */
  memoryMiB?: number;
  smp?: number;
}

/**
 * Microkit, from https://github.com/seL4/microkit/blob/2.3.0/docs/manual.md (the QEMU sections of
 * each board) and https://github.com/seL4/microkit/blob/2.3.0/example/cap_sharing/Makefile:
 * - qemu_virt_aarch64: `-machine virt,virtualization=on -cpu cortex-a53 -m size=2G
 *   -device loader,file=<image>,addr=0x70000000,cpu-num=0` (also rust-microkit-demo's Makefile);
 *   qemu_virt_aarch64_el1 the same without virtualization=on.
 * - qemu_virt_riscv64: `-machine virt -m size=2G -kernel <image>` (QEMU's OpenSBI starts it);
 *   -cpu rv64 as rust-sel4 passes it for this board (worlds.nix), QEMU's default anyway.
 * - x86_64_generic: `-cpu qemu64,+fsgsbase,+pdpe1gb,+xsaveopt,+xsave -m 1G -kernel sel4_32.elf -initrd loader.img`.
 */
export function microkitQemu(b: MicrokitBoot): Sel4QemuLine {
  const arch: Sel4Arch = b.board.startsWith('qemu_virt_aarch64') ? 'aarch64' : b.board === 'qemu_virt_riscv64' ? 'riscv64' : 'x86_64';
  const a = ARCH[arch];
  const base = { binary: a.qemuBinary, aptPackage: a.qemuApt, ...(b.smp && b.smp > 1 ? { smp: b.smp } : {}) };
  switch (b.board) {
    case 'qemu_virt_aarch64':
    case 'qemu_virt_aarch64_el1':
      return {
        ...base,
        machine: b.board === 'qemu_virt_aarch64' ? 'virt,virtualization=on' : 'virt',
        cpu: 'cortex-a53',
        memory: `${b.memoryMiB ?? 2048}M`,
        load: { devices: [`loader,file=${qemuOptionPath(b.image)},addr=${MICROKIT_AARCH64_LOADER_ADDR},cpu-num=0`] },
      };
    case 'qemu_virt_riscv64':
      return { ...base, machine: 'virt', cpu: 'rv64', memory: `${b.memoryMiB ?? 2048}M`, load: { kernel: b.image } };
    case 'x86_64_generic':
      if (!b.kernel32) throw new Error('x86_64_generic boots with sel4_32.elf as -kernel');
      return { ...base, cpu: X86_64_MICROKIT_CPU, memory: '1024M', load: { kernel: b.kernel32, initrd: b.image } };
    default:
      throw new Error(`no QEMU line for Microkit board ${b.board}`);
  }
}

/** The whole line in the project's order (binary, -machine, -cpu, -m, -smp, args), for the plan and the tests. */
export function qemuArgv(l: Sel4QemuLine, headless: string[]): string[] {
  return [
    l.binary,
    ...(l.machine ? ['-machine', l.machine] : []),
    '-cpu',
    l.cpu,
    '-m',
    l.memory,
    ...(l.smp ? ['-smp', String(l.smp)] : []),
    ...headless,
    // In the pipeline's order (src/boot/qemu-args.ts qemuArgv): the image's devices, then -kernel and -initrd.
    ...(l.load.devices ?? []).flatMap((d) => ['-device', d]),
    ...imageArgs(l.load),
  ];
}

/** Which route a QEMU line belongs to, for messages. */
export const routeName = (r: Route) => (r === 'microkit' ? 'Microkit system' : 'root task');

/** The QemuBoot fields every seL4 line shares: the serial port on stdout, no monitor, QEMU's reboot behaviour (as upstream's lines). */
const BOOT_COMMON = { console: 'serial', noMonitor: true, noReboot: false } as const;

/** The console options src/boot/qemu-args.ts emits for an seL4 boot (for the plan's own argv and the tests). */
export const HEADLESS: string[] = [...consoleArgs(BOOT_COMMON as unknown as QemuBoot), ...monitorArgs(BOOT_COMMON as unknown as QemuBoot)];

/**
 * The line as the pipeline's QemuBoot: `line(image)` gives the line for the image QEMU boots
 * (ctx.kernel: the assembled image, the x86_64 root task, or the user's kernel input) and the
 * boot's scratch folder. seL4's CPU
 * lines are TCG models (no -cpu under KVM: the family reports itself not KVM-capable).
 * `prepare` creates files the line names (the elf32 kernel on x86_64).
 */
export function toQemuBoot(arch: Sel4Arch, line: (image: string, workDir: string) => Sel4QemuLine, prepare?: QemuBoot['prepare']): QemuBoot {
  const l = line('<image>', '<work>');
  return {
    ...BOOT_COMMON,
    arch,
    machine: l.machine,
    cpu: { kvm: undefined, tcg: l.cpu },
    memory: l.memory,
    ...(l.smp ? { smp: l.smp } : {}),
    load: (ctx) => line(ctx.kernel, ctx.workDir).load,
    ...(prepare ? { prepare } : {}),
  };
}
