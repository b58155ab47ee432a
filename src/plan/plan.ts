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
  /** The CPU model the user chose in qemu-args, if any (then the action adds none). */
  userCpu?: string;
  userQemuArgs: string[];
  rules: WatchRules;
  exitCodes: number[];
  timeout: number;
  idleTimeout: number;
}

export function makePlan(inputs: Inputs): Plan {
  const { profile } = inputs;
  const cpuAt = inputs.qemuArgs.findIndex((a) => a === '-cpu' || a === '--cpu');
  return {
    target: inputs.target,
    profile,
    build: inputs.kernel
      ? { kind: 'prebuilt', kernel: inputs.kernel }
      : { kind: 'cargo', workingDirectory: inputs.workingDirectory, cargoArgs: inputs.cargoArgs },
    toolchain: inputs.toolchain,
    qemu: profile.qemu,
    accel: inputs.accel,
    userCpu: cpuAt >= 0 ? inputs.qemuArgs[cpuAt + 1] : undefined,
    userQemuArgs: inputs.qemuArgs,
    rules: {
      // The target's own success evidence (e.g. Hermit's `exit status 0`) comes after the user's lines.
      expect: [...inputs.expect, ...(profile.defaultExpect ?? [])],
      ordered: inputs.ordered,
      failOn: [...(inputs.defaultFailOn ? profile.defaultFailOn : []), ...inputs.failOn],
    },
    exitCodes: inputs.exitCodes,
    timeout: inputs.timeout,
    idleTimeout: inputs.idleTimeout,
  };
}

/** The CPU model for an accelerator: the user's if they gave one, else the target's default. */
export function cpuFor(plan: Plan, accel: Accel): string | undefined {
  return plan.userCpu ?? plan.profile.cpu[accel];
}

/** The whole QEMU command line: binary, accelerator, CPU, the target's arguments, then the user's. */
export function qemuCommand(plan: Plan, qemuPath: string, ctx: BootContext): string[] {
  const cpu = plan.userCpu ? undefined : plan.profile.cpu[ctx.accel];
  return [qemuPath, '-accel', ctx.accel, ...(cpu ? ['-cpu', cpu] : []), ...plan.profile.qemuArgs(ctx), ...plan.userQemuArgs];
}

/** The boot command: the target's own boot program (e.g. Uhyve) when it has one, else QEMU's. */
export function bootCommand(plan: Plan, programPath: string, ctx: BootContext): string[] {
  return plan.profile.bootProgram ? plan.profile.bootProgram.command(programPath, ctx) : qemuCommand(plan, programPath, ctx);
}

/** A command line a person can paste into a shell. */
export function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
