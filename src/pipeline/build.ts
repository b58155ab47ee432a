import * as core from '@actions/core';
import * as path from 'node:path';
import { shellJoin } from '../boot/qemu-args.js';
import { cargoBuild, cargoCommand } from '../cargo/cargo.js';
import { TestExecutableCollector } from '../cargo/test-executables.js';
import type { Toolchain, ToolchainPlan } from '../install/toolchain.js';
import type { BuildPrep, CargoView } from '../targets/contract.js';
import { BuildUnits } from '../cache/index.js';
import { saveCache } from './cache.js';
import type { Installed } from './install.js';
import type { CargoOutput } from './mode.js';
import type { RunContext } from './run-context.js';
import { ACTIONS_LOG } from './log.js';

/** How cargo is run: its program, environment and --config arguments, and whether std is built from source. */
export interface CargoSetup extends CargoView {
  buildStd: boolean;
}

/**
 * The cargo the build runs: the installed toolchain's, or (dry run, before anything is installed)
 * the one the toolchain input names, as far as it can be told.
 */
export function cargoSetup(ctx: RunContext, tc: Toolchain | undefined, planned?: ToolchainPlan): CargoSetup {
  if (tc) return { cargo: tc.cargo, env: tc.env, cargoConfig: tc.cargoConfig, buildStd: tc.buildStd };
  const t = ctx.plan.inputs.toolchain;
  const buildStd = planned?.buildStd !== false;
  if (t.kind === 'distro') return { cargo: '/usr/bin/cargo', env: { RUSTC: '/usr/bin/rustc' }, cargoConfig: [], buildStd };
  return { cargo: 'cargo', env: t.kind === 'rustup' ? { RUSTUP_TOOLCHAIN: t.name, RUSTUP_AUTO_INSTALL: '0' } : {}, cargoConfig: [], buildStd };
}

/** A command as it runs: argv, the environment it adds to the runner's, and where. */
export interface Command {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/**
 * The cargo command of the build: `cargo build`, `cargo test --no-run` (the mode's) or `cargo run`
 * (the runner input's `cargo`), with the family's --config and environment and its before-cargo
 * step's (the target's tools first on PATH). The dry run shows exactly this; the build runs it.
 */
export function cargoCommandOf(ctx: RunContext, setup: CargoSetup, prep: BuildPrep, subcommand: 'build' | 'test' | 'run'): Command {
  const { plan } = ctx;
  if (plan.build.kind !== 'cargo') throw new Error('Internal error: a cargo command without a crate to build.');
  const t = plan.target.build;
  const argv = cargoCommand(
    { cargo: setup.cargo, cargoConfig: [...setup.cargoConfig, ...(t.cargoConfig ?? [])], buildStd: setup.buildStd },
    { target: plan.inputs.target, buildStd: t.buildStd, cargoArgs: plan.build.cargoArgs, workingDirectory: plan.build.workingDirectory },
    subcommand,
  );
  // Incremental compilation only costs on CI: a fresh checkout's crate is compiled again anyway
  // (its sources are newer than the cached fingerprints), and the incremental data takes time to
  // write and room in the cache (rust-cache sets it for the same reason:
  // https://github.com/Swatinem/rust-cache#cache-details). A CARGO_INCREMENTAL of the runner's wins.
  const incremental: Record<string, string> = ctx.env.vars.CARGO_INCREMENTAL === undefined ? { CARGO_INCREMENTAL: '0' } : {};
  const env = { ...incremental, ...setup.env, ...t.env, ...(prep.env ?? {}) };
  if (prep.path?.length) env.PATH = [...prep.path, setup.env.PATH ?? ctx.env.vars.PATH ?? ''].join(path.delimiter);
  return { argv, env, cwd: plan.build.workingDirectory };
}

/** The command as a person would paste it: the variables that matter (PATH left out: it names scratch folders), then the argv. */
export function commandLine(argv: string[], env: Record<string, string> = {}): string {
  const vars = Object.entries(env)
    .filter(([k]) => k !== 'PATH')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${shellJoin([v])}`);
  return [...vars, shellJoin(argv)].join(' ');
}

/**
 * Build: the family's before-cargo step, cargo (the mode's subcommand), the cache saved, the
 * family's image assembly. A prebuilt kernel builds nothing.
 */
export async function build(ctx: RunContext, installed: Installed): Promise<CargoOutput> {
  const { plan } = ctx;
  if (plan.build.kind === 'prebuilt') return { kernel: plan.build.kernel, tests: [] };
  const tc = installed.toolchain;
  if (!tc) throw new Error('Internal error: a build without a toolchain.');
  const t = plan.target.build;
  const setup = cargoSetup(ctx, tc);
  const prep = (await t.beforeCargo?.run(setup, installed.assets, ACTIONS_LOG)) ?? {};
  const collector = new TestExecutableCollector();
  const units = new BuildUnits();
  let built;
  try {
    const cmd = cargoCommandOf(ctx, setup, prep, ctx.mode.cargo);
    core.info(`[command]${commandLine(cmd.argv, cmd.env)}`);
    built = await cargoBuild(tc, {
      command: cmd.argv,
      workingDirectory: cmd.cwd,
      target: plan.inputs.target,
      env: cmd.env,
      baseEnv: ctx.env.vars,
      workspace: ctx.env.workspace,
      manyExecutables: t.assemble !== undefined,
      subcommand: ctx.mode.cargo,
      annotations: plan.inputs.annotations,
      onJson: (line) => {
        collector.line(line);
        units.line(line);
      },
    });
  } finally {
    prep.cleanup?.();
    await saveCache(installed.cache, ctx, built !== undefined, units);
  }
  if (ctx.mode.cargo === 'test') return { tests: collector.executables };
  const kernel = t.assemble ? await t.assemble.run(built.executables, ctx.scratch) : built.kernel;
  core.info(`Built ${kernel}`);
  return { kernel, tests: [] };
}
