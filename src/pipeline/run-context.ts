import type { Plan } from '../plan/plan.js';
import type { RunnerEnv } from '../model/runner-env.js';
import type { Mode } from './mode.js';

/** What every stage of one run reads: the plan, the runner's environment, the mode and where the run writes. */
export interface RunContext {
  plan: Plan;
  env: RunnerEnv;
  mode: Mode;
  /** A folder of this run's own under RUNNER_TEMP (firmware copies, tools, ESPs). */
  scratch: string;
  /** Where the serial logs go (the `log` output). */
  logDir: string;
}
