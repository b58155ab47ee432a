import * as fs from 'node:fs';
import * as path from 'node:path';
import { readBootimage } from '../cargo/bootimage.js';
import { cargoRunLauncher, commandLauncher, qemuLauncher, type Launcher } from '../boot/launchers.js';
import type { QemuChoices } from '../boot/qemu-args.js';
import { InputError } from '../model/errors.js';
import { conversationInputSet, type Inputs } from '../inputs/inputs.js';
import type { TargetPlan } from '../targets/contract.js';
import { verdictPolicy, type VerdictPolicy } from '../verdict/policy.js';

/** Every decision that can be taken from the inputs alone, before anything is installed. */
export interface Plan {
  inputs: Inputs;
  /** The family's plan for the target. */
  target: TargetPlan;
  /** What to build, or the prebuilt image to boot. */
  build: { kind: 'cargo'; workingDirectory: string; cargoArgs: string[] } | { kind: 'prebuilt'; kernel: string };
  launcher: Launcher;
  /** What the user chose of QEMU's options (machine, cpu, memory inputs; qemu-args). */
  qemu: QemuChoices;
  /** The CPU model the KVM probe uses: the user's, else the target's under KVM. */
  kvmCpu?: string;
  verdict: VerdictPolicy;
}

/** machine, cpu, memory: the input replaces the target's default; the same option in qemu-args drops it (null). */
export function qemuChoices(inputs: Pick<Inputs, 'machine' | 'cpu' | 'memory' | 'qemuArgs'> & { forwards?: Inputs['forwards'] }): QemuChoices {
  const given = (...options: string[]) => inputs.qemuArgs.some((a) => options.includes(a));
  return {
    machine: inputs.machine ?? (given('-machine', '--machine', '-M') ? null : undefined),
    cpu: inputs.cpu ?? (given('-cpu', '--cpu') ? null : undefined),
    memory: inputs.memory ?? (given('-m', '--m') ? null : undefined),
    extra: inputs.qemuArgs,
    forwards: inputs.forwards,
  };
}

/** The launcher: the runner input's, the family's own (Uhyve), or the action's QEMU; choosing two is an input error. */
function chooseLauncher(inputs: Inputs, t: TargetPlan, qemu: QemuChoices): Launcher {
  const family = t.boot.launcher;
  if (inputs.runner && family) {
    throw new InputError(
      'runner',
      `and ${family.chosenBy}: ${family.launcher.name.toLowerCase()} both choose what boots the image`,
      `Remove runner to boot with ${family.launcher.name}, or remove ${family.chosenBy} to boot with your command.`,
    );
  }
  // A family input only the action's QEMU applies (boot-firmware, boot-protocol) would be dropped by a runner: refused.
  const own = t.boot.qemuOnlyInputs?.[0];
  if (inputs.runner && own) {
    throw new InputError(
      own,
      `is applied by the action's own QEMU, but runner boots the image with ${inputs.runner.kind === 'cargo' ? 'cargo run' : 'your command'}`,
      `Remove runner to let the action boot the image, or remove ${own} and boot it as your runner does.`,
    );
  }
  if (inputs.runner?.kind === 'cargo') return cargoRunLauncher(t.boot.qemu);
  if (inputs.runner) return commandLauncher(inputs.runner.argv, t.boot.qemu);
  return family?.launcher ?? qemuLauncher(t.boot.qemu, qemu);
}

/** forward, probes and console-script need the action's QEMU (a family's own launcher, Uhyve, has neither its network nor its stdin) and, for forward, a network card the target's guests drive. */
function checkConversation(inputs: Inputs, t: TargetPlan, launcher: Launcher): void {
  const set = conversationInputSet(inputs);
  if (!set) return;
  if (!launcher.speaksQmp) {
    const by = t.boot.launcher ? `${t.boot.launcher.chosenBy} chose ${launcher.name}` : `${launcher.name} boots the image`;
    throw new InputError(
      set,
      `needs the action's own QEMU, but ${by}`,
      `Boot with QEMU${t.boot.launcher ? ` (remove ${t.boot.launcher.chosenBy}, or set it to qemu)` : ''}, or remove ${set}.`,
    );
  }
  if (inputs.forwards.length > 0 && !t.boot.qemu.nic) {
    throw new InputError(
      'forward',
      `is not supported for ${inputs.target}: the action knows no network card its guests drive`,
      'Remove forward, or add the network device yourself in qemu-args (-netdev user,id=n0,hostfwd=tcp:127.0.0.1:HOST-:GUEST -device ...,netdev=n0).',
    );
  }
}

/**
 * command: test boots every test executable to its own end, judged by its exit status and its own
 * results. forward, probes and console-script are for a guest the action talks to (a server, a
 * shell) and stops once it has answered: with a test executable, a probe that passes would stop
 * the tests half-way, and executables booting side by side would share the forwarded ports. So
 * they are refused here, before anything is installed. (wait-for-exit applies in both modes.)
 */
function checkTestConversation(inputs: Inputs): void {
  const set = conversationInputSet(inputs, ['probes', 'console-script', 'forward']);
  if (set)
    throw new InputError(
      set,
      'is for command: boot (a guest the action talks to and stops once it has answered), but command is test, which boots each test executable to its own end',
      `Remove ${set}, or set command to boot and boot the server image.`,
    );
}

export function resolvePlan(inputs: Inputs): Plan {
  const t = inputs.family.plan(inputs.target, inputs, inputs.own);
  if (inputs.accel === 'kvm' && !t.boot.kvmCapable) {
    throw new InputError('accel', `kvm cannot run ${inputs.target} on this ${process.arch} host`, 'Use auto or tcg.');
  }
  if (inputs.command === 'test') {
    if (t.build.assemble) throw new InputError('command', `is test, but ${inputs.target} assembles one image from what cargo builds`, 'Set command to boot.');
    checkTestConversation(inputs);
  }
  // Bad [package.metadata.bootimage] settings fail now, before anything is installed (each test
  // executable's own package is read again after the build; command: boot reads run-args).
  const manifest = path.join(inputs.workingDirectory, 'Cargo.toml');
  if (inputs.command === 'test' || (!inputs.kernel && fs.existsSync(manifest))) readBootimage(manifest);
  const qemu = qemuChoices(inputs);
  const launcher = chooseLauncher(inputs, t, qemu);
  checkConversation(inputs, t, launcher);
  const cpuAt = inputs.qemuArgs.findIndex((a) => a === '-cpu' || a === '--cpu');
  return {
    inputs,
    target: t,
    build: inputs.kernel
      ? { kind: 'prebuilt', kernel: inputs.kernel }
      : { kind: 'cargo', workingDirectory: inputs.workingDirectory, cargoArgs: inputs.cargoArgs },
    launcher,
    qemu,
    kvmCpu: inputs.cpu ?? (cpuAt >= 0 ? inputs.qemuArgs[cpuAt + 1] : undefined) ?? t.boot.qemu.cpu.kvm,
    verdict: verdictPolicy(inputs, t.verdict),
  };
}
