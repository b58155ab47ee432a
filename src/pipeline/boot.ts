import * as fs from 'node:fs';
import type { CargoRun, Launch } from '../boot/launchers.js';
import { runPool, type JobLog, type PoolOptions, type PoolResult } from '../boot/pool.js';
import { boot, type BootResult } from '../boot/qemu.js';
import type { Accel, BootContext, ImageKind } from '../boot/qemu-args.js';
import { ActionError } from '../model/errors.js';
import { onCancel, setStage } from '../proc/processes.js';
import { GuestEcho, showUntrusted } from '../report/guest-log.js';
import { detectImage } from '../targets/common.js';
import { TestCaseParser } from '../verdict/test-cases.js';
import { chooseAccel, fallBackToTcg } from './accel.js';
import { cargoCommandOf, cargoSetup, commandLine } from './build.js';
import type { Installed } from './install.js';
import { groupsBoots, type Image } from './mode.js';
import type { RunContext } from './run-context.js';

/** One image's boot, as the judge stage reads it. */
export interface Booted {
  image: Image;
  result: BootResult;
  /** How QEMU ended and what it wrote on stderr (the accelerator's fallback reads them). */
  end: BootResult['end'];
  stderr: string;
  /** The image's test cases, read from its serial lines (modes that read cases). */
  cases?: TestCaseParser;
  accel: Accel;
  /** Why the accelerator changed during the boot (a KVM boot repeated under TCG). */
  accelNote?: string;
  argv: string[];
  started: Date;
  /** Outputs the family read from the serial log (AfterBoot). */
  outputs?: Record<string, string>;
}

/** The runs whose log has QEMU's version already. */
const versionShown = new WeakSet<RunContext>();

const KIND_NAMES: Record<ImageKind, string> = { elf: 'an ELF executable', pe: 'a PE (.efi) application', raw: 'a raw disk image' };

/** What the image is: read from its first bytes, or (dry run, before it exists) the first kind the target boots. */
export function imageKindOf(ctx: RunContext, file: string): ImageKind {
  return fs.existsSync(file) ? detectImage(file) : (ctx.plan.target.boot.images?.[0] ?? 'elf');
}

/** An image the target cannot boot fails before QEMU, naming what it is and what the target boots. */
function checkImageKind(ctx: RunContext, image: Image, kind: ImageKind): void {
  const { plan } = ctx;
  const kinds = plan.target.boot.images;
  if (!kinds || kinds.includes(kind)) return;
  throw new ActionError(
    `${image.path} is ${KIND_NAMES[kind]}, but ${plan.inputs.target} boots ${kinds.map((k) => KIND_NAMES[k]).join(' or ')}. ${plan.build.kind === 'prebuilt' ? 'Check the kernel input.' : 'Check what the crate builds.'}`,
  );
}

/** `cargo run` as the build ran cargo (the runner input's `cargo`), when there is a toolchain. */
function cargoRunOf(ctx: RunContext, installed: Pick<Installed, 'toolchain'>): CargoRun | undefined {
  if (ctx.plan.build.kind !== 'cargo' || !installed.toolchain) return undefined;
  const cmd = cargoCommandOf(ctx, cargoSetup(ctx, installed.toolchain), {}, 'run');
  return { argv: cmd.argv, env: { ...cmd.env, ...(ctx.env.vars.CARGO_TERM_COLOR === undefined ? { CARGO_TERM_COLOR: 'never' } : {}) }, cwd: cmd.cwd };
}

/** What the family's QEMU boot reads for one image under `accel` (the build's cargo: a family may build a helper with it). */
export function bootContextOf(ctx: RunContext, installed: Pick<Installed, 'assets' | 'toolchain'>, image: Image, accel: Accel, log?: JobLog): BootContext {
  const tc = installed.toolchain;
  return {
    kernel: image.path,
    accel,
    workDir: image.workDir,
    ...(image.variant ? { variant: image.variant, imageDir: image.imageDir } : {}),
    assets: installed.assets,
    image: imageKindOf(ctx, image.path),
    cargo: tc ? { cargo: tc.cargo, env: tc.env } : undefined,
    cargoBuild: ctx.plan.build.kind === 'cargo' ? cargoCommandOf(ctx, cargoSetup(ctx, tc), {}, 'build').argv : undefined,
    manifest: image.test?.manifestPath,
    log: log && { info: (l) => log.line(l), warning: (l) => log.line(`Warning: ${l}`) },
  };
}

/** The command that boots one image under `accel`: the dry run shows exactly this; the boot runs it. */
export function launchOf(ctx: RunContext, installed: Pick<Installed, 'program' | 'assets' | 'toolchain'>, image: Image, accel: Accel): Launch {
  return ctx.plan.launcher.launch(installed.program, bootContextOf(ctx, installed, image, accel), {
    cargoRun: cargoRunOf(ctx, installed),
    imageArgs: image.qemuArgs,
  });
}

/** Boots one image under `accel`, its serial output echoed into `log` with workflow commands paused. */
async function bootOnce(ctx: RunContext, installed: Installed, image: Image, accel: Accel, log: JobLog): Promise<Booted> {
  const { plan } = ctx;
  fs.mkdirSync(image.workDir, { recursive: true });
  // The family's files for this boot (a UEFI ESP, a GRUB ISO, a bootloader disk image), right before QEMU starts.
  if (plan.launcher.speaksQmp) await plan.target.boot.qemu.prepare?.(bootContextOf(ctx, installed, image, accel, log));
  const launch = launchOf(ctx, installed, image, accel);
  log.line(`[command]${commandLine(launch.argv)}`);
  log.line(`Serial output of ${image.name} (workflow commands from the guest are ignored):`);
  const cases = ctx.mode.readsCases ? new TestCaseParser() : undefined;
  const started = new Date();
  const at = () => (Date.now() - started.getTime()) / 1000;
  const echo = new GuestEcho((c) => log.write(c));
  echo.start();
  let result: BootResult;
  try {
    result = await boot({
      command: launch.argv[0],
      args: launch.argv.slice(1),
      env: launch.env,
      vars: ctx.env.vars,
      cwd: launch.cwd,
      timeout: image.timeout,
      idleTimeout: plan.inputs.idleTimeout,
      logPath: image.logPath,
      rules: plan.verdict.rules,
      qmp: plan.launcher.speaksQmp,
      waitForExit: plan.verdict.waitForExit || !ctx.mode.stopsOnMatch,
      conversation: { probes: plan.inputs.probes, steps: plan.inputs.consoleScript },
      // libtest goes on to its next test after one panics: judge it by its exit status and
      // `test result:` (the panic still fails the verdict), not by stopping at the first panic.
      runOnAfterFailure: () => cases?.isLibtest ?? false,
      onLine: (line) => {
        cases?.line(line, at());
        echo.line(line);
      },
      onLines: (block, escapes) => {
        cases?.block(block, at());
        echo.block(block, escapes);
      },
    });
  } finally {
    echo.stop();
  }
  // Said once a run: the version QEMU's QMP greeting gave (the install asked no `--version` for it).
  if (result.qemuVersion && !versionShown.has(ctx)) {
    versionShown.add(ctx);
    log.line(`${plan.launcher.name}: ${result.qemuVersion}`);
  }
  // QEMU's stderr may carry the guest's own words (a runner's semihosting): shown inside a pause of workflow commands.
  showUntrusted("QEMU's own messages (workflow commands in them are ignored):", result.stderr, (t) => log.write(t));
  return { image, result, end: result.end, stderr: result.stderr, cases, accel, argv: launch.argv, started };
}

/** One image: its notes, its boot, and under accel: auto a second boot under TCG when KVM failed. */
async function bootImage(ctx: RunContext, installed: Installed, image: Image, accel: Accel, log: JobLog, many: boolean): Promise<Booted> {
  for (const n of image.notes) log.line(n);
  checkImageKind(ctx, image, imageKindOf(ctx, image.path));
  const first = await bootOnce(ctx, installed, image, accel, log);
  const settled = await fallBackToTcg(ctx.plan, accel, first, (a) => bootOnce(ctx, installed, image, a, log), {
    name: many ? image.name : undefined,
    log: (l) => log.line(l),
  });
  if (settled.note && many) log.line(`Accelerator: ${settled.note}.`);
  const after = ctx.plan.target.boot.afterBoot?.(image.logPath) ?? {};
  for (const l of after.lines ?? []) log.line(l);
  return { ...settled.result, accelNote: settled.note, outputs: after.outputs };
}

/**
 * Boot: the accelerator chosen once for the run, then every image the mode gives, in the pool
 * (src/boot/pool.ts): side by side in log groups of their own, or the one image straight through.
 * `then` runs in each image's job after its boot (the judge), so the pool's summary line can say
 * the verdict. With forwarded ports the images boot one at a time: each boot listens on the same
 * host ports.
 */
export async function bootAll<T>(
  ctx: RunContext,
  installed: Installed,
  images: Image[],
  then: (b: Booted) => T,
  summary?: (r: PoolResult<T>) => string | undefined,
  pool: Pick<PoolOptions<T>, 'write' | 'concurrency'> = {},
): Promise<PoolResult<T>[]> {
  setStage('boot');
  const accel = await chooseAccel(ctx.plan, installed.program, imageKindOf(ctx, images[0].path), ctx.env.temp, images[0].path);
  const grouped = groupsBoots(ctx.mode, images);
  const jobs = images.map((image) => ({
    name: grouped ? `${image.name}${image.test ? ` (${image.test.label})` : ''}` : image.name,
    run: async (log: JobLog) => then(await bootImage(ctx, installed, image, accel, log, grouped)),
  }));
  // A cancellation starts no further image while the running ones are being stopped.
  const cancelled = new AbortController();
  const unhook = onCancel(() => cancelled.abort());
  try {
    return await runPool(jobs, {
      groups: grouped,
      summary: grouped ? summary : undefined,
      concurrency: ctx.plan.inputs.forwards.length > 0 ? 1 : pool.concurrency,
      write: pool.write,
      signal: cancelled.signal,
    });
  } finally {
    unhook();
  }
}
