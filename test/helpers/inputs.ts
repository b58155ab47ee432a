import { readRunnerEnv } from '../../src/model/runner-env.js';
import { readInputs, type Inputs } from '../../src/inputs/inputs.js';
import { resolvePlan, type Plan } from '../../src/plan/plan.js';
import type { BootContext } from '../../src/boot/qemu-args.js';
import { ROOT } from './action.js';

/** Inputs as the runner would give them: the named ones set, the rest empty; the workspace is the repository. */
export function fakeInputs(inputs: Record<string, string>): Inputs {
  return readInputs((n) => inputs[n] ?? '', readRunnerEnv({ GITHUB_WORKSPACE: ROOT }));
}

export const fakePlan = (inputs: Record<string, string>): Plan => resolvePlan(fakeInputs(inputs));

export const bootContext = (over: Partial<BootContext> = {}): BootContext => ({ kernel: '/k', accel: 'tcg', workDir: '/w', image: 'elf', assets: {}, ...over });

/** The command the plan's launcher runs for a boot context, program first. */
export const bootArgv = (plan: Plan, program: string, ctx: Partial<BootContext> = {}): string[] => plan.launcher.launch(program, bootContext(ctx)).argv;
