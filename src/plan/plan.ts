import type { Inputs } from '../inputs/inputs.js';
import type { Accel, BootContext, TargetProfile } from '../targets/index.js';
import type { WatchRules } from '../verdict/watcher.js';

/** Every decision that can be taken from the inputs alone, before anything is installed. */
export interface Plan {
  target: string;
  profile: TargetProfile;
  /** What to build, or the prebuilt image to boot. */
  build: { kind: 'cargo'; workingDirectory: string; cargoArgs: string[] } | { kind: 'prebuilt'; kernel: string };
  toolchain: string;
  qemu: { binary: string; aptPackage: string };
  accel: Inputs['accel'];
  /** The CPU model the user chose (cpu input or -cpu in qemu-args), if any. */
  userCpu?: string;
  /** What the action adds as -machine, -cpu (the cpu input; else the target's default per accelerator) and -m. */
  machine?: string;
  cpuInput?: string;
  memory?: string;
  userQemuArgs: string[];
  /** Boot with the user's command (or cargo run) instead of the action's QEMU command line. */
  runner?: Inputs['runner'];
  rules: WatchRules;
  exitCodes: number[];
  /** A machine reset (QMP reason guest-reset) counts as an exit with an accepted status only when exit-code was given. */
  resetAccepted: boolean;
  timeout: number;
  idleTimeout: number;
  /** The guest must exit by itself (wait-for-exit). */
  waitForExit: boolean;
  /** The target's own inputs, handed to its QEMU arguments. */
  targetInputs: Record<string, string>;
}

export function makePlan(inputs: Inputs): Plan {
  const { profile } = inputs;
  const userSets = (...options: string[]) => inputs.qemuArgs.findIndex((a) => options.includes(a));
  const cpuAt = userSets('-cpu', '--cpu');
  return {
    target: inputs.target,
    profile,
    build: inputs.kernel
      ? { kind: 'prebuilt', kernel: inputs.kernel }
      : { kind: 'cargo', workingDirectory: inputs.workingDirectory, cargoArgs: inputs.cargoArgs },
    toolchain: inputs.toolchain,
    qemu: profile.qemu,
    accel: inputs.accel,
    userCpu: inputs.cpu ?? (cpuAt >= 0 ? inputs.qemuArgs[cpuAt + 1] : undefined),
    // The inputs replace the target's defaults; so does the same option in qemu-args.
    machine: inputs.machine ?? (userSets('-machine', '--machine', '-M') >= 0 ? undefined : profile.machine),
    cpuInput: inputs.cpu,
    memory: inputs.memory ?? (userSets('-m', '--m') >= 0 ? undefined : profile.memory),
    userQemuArgs: inputs.qemuArgs,
    runner: inputs.runner,
    rules: {
      // The target's own success evidence (e.g. Hermit's `exit status 0`) comes after the user's lines.
      expect: [...inputs.expect, ...(profile.defaultExpect ?? [])],
      ordered: inputs.ordered,
      failOn: [...(inputs.defaultFailOn ? profile.defaultFailOn : []), ...inputs.failOn],
    },
    exitCodes: inputs.exitCodes,
    resetAccepted: inputs.exitCodeGiven,
    timeout: inputs.timeout,
    idleTimeout: inputs.idleTimeout,
    waitForExit: inputs.waitForExit,
    targetInputs: inputs.targetInputs,
  };
}

/** The CPU model for an accelerator: the user's if they gave one, else the target's default. */
export function cpuFor(plan: Plan, accel: Accel): string | undefined {
  return plan.userCpu ?? plan.profile.cpu[accel];
}

/** The whole QEMU command line: binary, accelerator, machine, CPU, memory, the target's arguments, then the user's. */
export function qemuCommand(plan: Plan, qemuPath: string, ctx: BootContext): string[] {
  const cpu = plan.cpuInput ?? (plan.userCpu ? undefined : plan.profile.cpu[ctx.accel]);
  return [
    qemuPath,
    '-accel', ctx.accel,
    ...(plan.machine ? ['-machine', plan.machine] : []),
    ...(cpu ? ['-cpu', cpu] : []),
    ...(plan.memory ? ['-m', plan.memory] : []),
    ...plan.profile.qemuArgs({ targetInputs: plan.targetInputs, ...ctx }),
    ...plan.userQemuArgs,
  ];
}

/** The runner input's command for an image: `{kernel}` replaced by its path, else the path appended. */
export function runnerCommand(argv: string[], kernel: string): string[] {
  if (!argv.some((a) => a.includes('{kernel}'))) return [...argv, kernel];
  return argv.map((a) => a.split('{kernel}').join(kernel));
}

/** The boot command: the target's own boot program (e.g. Uhyve) when it has one, else QEMU's. */
export function bootCommand(plan: Plan, programPath: string, ctx: BootContext): string[] {
  return plan.profile.bootProgram ? plan.profile.bootProgram.command(programPath, ctx) : qemuCommand(plan, programPath, ctx);
}

/** A command line a person can paste into a shell. */
export function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
