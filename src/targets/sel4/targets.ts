import { InputError } from '../../model/errors.js';

// rust-sel4's targets are custom JSON specs named
//   <arch>-sel4[-roottask|-microkit][-resettable][-minimal|-unwind][-musl]
// (https://github.com/seL4/rust-sel4/tree/v5.0.0/support/targets, and its README there: "-minimal"
// has no thread-local storage, "-unwind" unwinds on panic, "-roottask" lays the image out for a root
// task, "-microkit" adds the `__sel4_ipc_buffer_obj` linker fragment the microkit tool needs).
// v5.0.0 dropped the -microkit specs: Microkit protection domains use the plain <arch>-sel4 ones
// (https://github.com/seL4/rust-sel4/tree/v4.0.0/support/targets still has them).

/** The architectures this action boots seL4 on (QEMU lines from upstream exist for these). */
export type Sel4Arch = 'aarch64' | 'riscv64' | 'x86_64';

export type Route = 'root-task' | 'microkit';

export interface Sel4Target {
  /** The triple as the user wrote it, e.g. aarch64-sel4-roottask-minimal. */
  triple: string;
  /** The spec's architecture part: aarch64, riscv64imac, riscv64gc, x86_64. */
  specArch: string;
  arch: Sel4Arch;
  /** -roottask or -microkit, when the triple says so. */
  kind?: 'roottask' | 'microkit';
  resettable: boolean;
  /** -minimal (no thread-local storage) or -unwind (panics unwind). */
  variant?: 'minimal' | 'unwind';
  /** Needs an FPU in the kernel (the gc specs use F and D instructions). */
  needsFpu: boolean;
}

/** What each architecture needs, on either route. */
export interface ArchFacts {
  qemuBinary: string;
  /** Debian/Ubuntu package with that QEMU. */
  qemuApt: string;
  /**
   * The built-in Rust target sel4-kernel-loader is built for (no loader on x86_64: the kernel
   * boots by Multiboot). From rust-sel4's own runner:
   * https://github.com/seL4/rust-sel4/blob/v5.0.0/crates/private/support/sel4-test-runner/src/main.rs
   */
  loaderTarget?: string;
  /** The cross gcc prefix the kernel and the loader's asm are built with (undefined: the host gcc). */
  crossPrefix?: string;
  /** Debian/Ubuntu package with that gcc. */
  crossGccApt?: string;
  /** seL4's KernelPlatform for the root-task route. */
  kernelPlatform: string;
  /** The Microkit boards for this architecture that QEMU can boot; the first is the default. */
  microkitBoards: string[];
}

export const ARCH: Record<Sel4Arch, ArchFacts> = {
  aarch64: {
    qemuBinary: 'qemu-system-aarch64',
    qemuApt: 'qemu-system-arm',
    loaderTarget: 'aarch64-unknown-none',
    crossPrefix: 'aarch64-linux-gnu-',
    crossGccApt: 'gcc-aarch64-linux-gnu',
    kernelPlatform: 'qemu-arm-virt',
    // qemu_virt_aarch64_el1 exists from Microkit 2.3.0 on (see microkitBoardsFor).
    microkitBoards: ['qemu_virt_aarch64', 'qemu_virt_aarch64_el1'],
  },
  riscv64: {
    qemuBinary: 'qemu-system-riscv64',
    qemuApt: 'qemu-system-misc',
    loaderTarget: 'riscv64imac-unknown-none-elf',
    crossPrefix: 'riscv64-linux-gnu-',
    crossGccApt: 'gcc-riscv64-linux-gnu',
    kernelPlatform: 'qemu-riscv-virt',
    microkitBoards: ['qemu_virt_riscv64'],
  },
  x86_64: {
    qemuBinary: 'qemu-system-x86_64',
    qemuApt: 'qemu-system-x86',
    kernelPlatform: 'pc99',
    microkitBoards: ['x86_64_generic'],
  },
};

const TRIPLE = /^([a-z0-9_]+)-sel4(?:-(roottask|microkit))?(-resettable)?(?:-(minimal|unwind))?(-musl)?$/;

const SPEC_ARCH: Record<string, Sel4Arch> = { aarch64: 'aarch64', riscv64imac: 'riscv64', riscv64gc: 'riscv64', x86_64: 'x86_64' };
/** rust-sel4 has specs for these, but this action has no QEMU line for them. */
const NOT_BOOTED = ['armv7a', 'riscv32imac', 'riscv32imafc'];

/** Is this one of rust-sel4's target names (whether or not the action boots it)? */
export function isSel4Triple(triple: string): boolean {
  return /^[a-z0-9_]+-sel4(-|$)/.test(triple);
}

/**
 * Parses a rust-sel4 target name. Returns undefined for a triple that is not seL4's; throws
 * InputError('target') for an seL4 triple this action cannot build or boot, saying why.
 */
export function parseSel4Target(triple: string): Sel4Target | undefined {
  if (!isSel4Triple(triple)) return undefined;
  const m = TRIPLE.exec(triple);
  const valid =
    "Use one of rust-sel4's targets: aarch64-sel4, riscv64imac-sel4, riscv64gc-sel4 or x86_64-sel4, optionally with -roottask or -microkit, then -minimal or -unwind (for example aarch64-sel4-roottask-minimal).";
  if (!m) throw new InputError('target', `'${triple}' is not one of rust-sel4's target names`, valid);
  const [, specArch, kind, resettable, variant, musl] = m;
  if (NOT_BOOTED.includes(specArch)) {
    throw new InputError(
      'target',
      `'${triple}' is a rust-sel4 target, but this action boots seL4 only on aarch64, riscv64 and x86_64 (QEMU lines for ${specArch} are not provided)`,
      valid,
    );
  }
  const arch = SPEC_ARCH[specArch];
  if (!arch) throw new InputError('target', `'${triple}' names an architecture rust-sel4 has no target for ('${specArch}')`, valid);
  if (musl) {
    throw new InputError(
      'target',
      `'${triple}' links against a musl libc built for seL4, which this action does not build`,
      `Use the target without -musl (${triple.replace(/-musl$/, '')}); rust-sel4's no_std runtimes need no libc.`,
    );
  }
  if (resettable && kind !== 'microkit') {
    throw new InputError('target', `'${triple}': rust-sel4 has -resettable targets only for Microkit protection domains`, valid);
  }
  return {
    triple,
    specArch,
    arch,
    kind: kind as Sel4Target['kind'],
    resettable: Boolean(resettable),
    variant: variant as Sel4Target['variant'],
    needsFpu: specArch === 'riscv64gc',
  };
}

/** The family's own inputs that decide the route (raw, trimmed; '' when unset). */
export interface RouteInputs {
  'microkit-system'?: string;
  'microkit-sdk'?: string;
  'microkit-sdk-sha256'?: string;
  'microkit-board'?: string;
  'microkit-config'?: string;
  'sel4-prefix'?: string;
  'sel4-version'?: string;
  'sel4-config'?: string;
  'sel4-kernel-loader'?: string;
}

const ROOT_TASK_ONLY = ['sel4-prefix', 'sel4-version', 'sel4-config', 'sel4-kernel-loader'] as const;
const MICROKIT_ONLY = ['microkit-sdk', 'microkit-sdk-sha256', 'microkit-board', 'microkit-config'] as const;

/**
 * Root task or Microkit: Microkit when `microkit-system` is given or the target is a
 * *-sel4-microkit one; a root task otherwise. Inputs of the other route are refused, so a
 * setting is never silently ignored.
 */
export function chooseRoute(t: Sel4Target, inputs: RouteInputs): Route {
  const system = inputs['microkit-system'] ?? '';
  if (t.kind === 'roottask' && system) {
    throw new InputError(
      'microkit-system',
      `is set, but the target ${t.triple} is a root-task target`,
      `Build the protection domains for ${t.triple.replace('-roottask', '')} (or the -microkit target of rust-sel4 before v5.0.0), or remove microkit-system to boot a root task.`,
    );
  }
  if (t.kind === 'microkit' && !system) {
    throw new InputError(
      'microkit-system',
      `is not set, and the target ${t.triple} builds Microkit protection domains`,
      'Give the path of the system description (.system file) to pass to the microkit tool, relative to working-directory.',
    );
  }
  const route: Route = system ? 'microkit' : 'root-task';
  const stray = (route === 'microkit' ? ROOT_TASK_ONLY : MICROKIT_ONLY).find((n) => (inputs[n] ?? '') !== '');
  if (stray) {
    const other =
      route === 'microkit' ? 'the Microkit route (microkit-system is set; the kernel comes from the Microkit SDK)' : 'a root task (microkit-system is not set)';
    throw new InputError(
      stray,
      `is set, but this run boots ${other}`,
      route === 'microkit' ? `Remove ${stray}.` : `Remove ${stray}, or set microkit-system to build a Microkit system.`,
    );
  }
  return route;
}

/** Microkit boards QEMU boots for an architecture, in a Microkit release (qemu_virt_aarch64_el1 came in 2.3.0). */
export function microkitBoardsFor(arch: Sel4Arch, microkitVersion: string): string[] {
  const [maj, min] = microkitVersion.split('.').map(Number);
  const el1 = maj > 2 || (maj === 2 && min >= 3);
  return ARCH[arch].microkitBoards.filter((b) => b !== 'qemu_virt_aarch64_el1' || el1);
}

/** What a route needs on an architecture, for the plan and the install stage. */
export function routeNeeds(t: Sel4Target, route: Route): string[] {
  const a = ARCH[t.arch];
  const common = ['a nightly Rust toolchain with rust-src (build-std)', 'libclang for bindgen (sel4-sys)', `${a.qemuBinary} (${a.qemuApt})`];
  if (route === 'microkit') return [...common, `the Microkit SDK (board ${a.microkitBoards[0]} by default)`];
  return [
    ...common,
    'an seL4 kernel: sel4-prefix, or built from a release tag with cmake, ninja, dtc and ' + (a.crossPrefix ? `${a.crossPrefix}gcc` : 'the host gcc'),
    ...(a.loaderTarget
      ? [`sel4-kernel-loader for ${a.loaderTarget} and sel4-kernel-loader-add-payload (cargo install from rust-sel4)`]
      : ['objcopy (binutils) to turn the kernel into an elf32 for -kernel']),
  ];
}
