import * as fs from 'node:fs';
import * as path from 'node:path';
import { bootimageDefaults, readBootimage } from '../cargo/bootimage.js';
import { requireTestExecutables, shardShare, suiteNames, type TestExecutable } from '../cargo/test-executables.js';
import { runName } from '../inputs/matrix.js';
import { safeFileName } from '../model/paths.js';
import type { Plan } from '../plan/plan.js';

/**
 * What the boot stage boots: one image, with the settings that may differ from image to image
 * (bootimage's test-args, test-timeout and test-success-exit-code differ per package).
 */
export interface Image {
  /** Absolute path of the file to boot. */
  path: string;
  /** Its name in the log, the summary and JUnit (unique in the run). */
  name: string;
  /** A folder of its own for the files its boot writes (UEFI's ESP and variables): images boot side by side. */
  workDir: string;
  /** The folder its variants share (BootContext.imageDir); undefined when the plan has none. */
  imageDir?: string;
  /** The way it is booted, among the target plan's variants (boot-firmware: both: bios or uefi). */
  variant?: string;
  /** Its serial log. */
  logPath: string;
  /** Seconds for the boot. */
  timeout: number;
  /** QEMU statuses that mean success. */
  exitCodes: number[];
  /** QEMU arguments of this image, after the family's and before the user's (bootimage's test-args). */
  qemuArgs: string[];
  /** Lines for the image's log before its boot (which settings came from where). */
  notes: string[];
  /** command: test: the test executable it is (its cases are read from its serial lines). */
  test?: TestExecutable;
}

/** What cargo built, as the build stage hands it to the mode. */
export interface CargoOutput {
  /** The image the build produced (after the family's assembly); undefined for command: test. */
  kernel?: string;
  /** Every test executable cargo test --no-run built (command: test). */
  tests: TestExecutable[];
}

/** The action's timeout when neither the input nor a bootimage test-timeout gives one. */
export const DEFAULT_TIMEOUT = 300;

/**
 * command: boot or test, as data the shared stages read. Both run install -> build -> boot -> judge
 * -> report through the same functions; a mode says only what cargo runs, which images come out,
 * whether their boots get log groups of their own and whether their test cases are read.
 */
export interface Mode {
  command: 'boot' | 'test';
  /** cargo build, or cargo test --no-run. */
  cargo: 'build' | 'test';
  /** The images to boot, from what cargo built (or the prebuilt kernel). */
  images(plan: Plan, built: CargoOutput, logDir: string, scratch: string): Image[];
  /** Each boot in a log group of its own (several boot side by side), or straight through (the serial output stays in view). */
  groupBoots: boolean;
  /** Read each image's test cases from its serial lines, and require its own results as evidence when no expect line is given. */
  readsCases: boolean;
  /**
   * May a boot be stopped once every expected line appeared (unless wait-for-exit)? A test
   * executable never is: it runs to its own end, so a case that fails after an expected line still
   * fails it (its expect lines are one more requirement, not a stop).
   */
  stopsOnMatch: boolean;
}

/** Do the boots get log groups of their own? In a mode that groups them, and whenever there are several (boot-firmware: both). */
export const groupsBoots = (mode: Mode, images: Image[]) => mode.groupBoots || images.length > 1;

/**
 * The start of every file name the run writes in the log folder: the run's name (name input, and
 * the shard), so that the files of a matrix's legs, uploaded into one artifact, do not overwrite
 * each other.
 */
export const filePrefix = (plan: Plan) => safeFileName(runName(plan.inputs));

/** The serial log's path: `<prefix>[-<part>...]-serial.log` in the log folder. */
const serialLog = (plan: Plan, logDir: string, ...parts: string[]) =>
  path.join(logDir, `${[filePrefix(plan), ...parts.map(safeFileName)].join('-')}-serial.log`);

/**
 * Each image once per variant of the target plan (boot-firmware: both boots it under BIOS and
 * under UEFI), in both modes: named `<name> (<variant>)`, each with its own work folder and serial
 * log, sharing the image's folder. Without variants the images are as the mode made them.
 */
export function withVariants(plan: Plan, images: Image[]): Image[] {
  const variants = plan.target.boot.variants;
  if (!variants?.length) return images;
  return images.flatMap((image) =>
    variants.map((variant) => ({
      ...image,
      name: `${image.name} (${variant})`,
      variant,
      imageDir: image.workDir,
      workDir: path.join(image.workDir, variant),
      logPath: image.logPath.replace(/-serial\.log$/, `-${safeFileName(variant)}-serial.log`),
    })),
  );
}

export const BOOT_MODE: Mode = {
  command: 'boot',
  cargo: 'build',
  groupBoots: false,
  readsCases: false,
  stopsOnMatch: true,
  images(plan, built, logDir, scratch) {
    const kernel = plan.build.kind === 'prebuilt' ? plan.build.kernel : built.kernel;
    if (!kernel) throw new Error('Internal error: command: boot without an image.');
    // A crate the action built: bootimage's run-args, as `bootimage runner` adds them to a run
    // (https://github.com/rust-osdev/bootimage/blob/master/src/run.rs), after the family's arguments.
    const manifest = plan.build.kind === 'cargo' ? path.join(plan.build.workingDirectory, 'Cargo.toml') : undefined;
    const d = bootimageDefaults(manifest && fs.existsSync(manifest) ? readBootimage(manifest) : undefined, 'run');
    const image: Image = {
      path: kernel,
      name: plan.inputs.target,
      workDir: scratch,
      logPath: serialLog(plan, logDir),
      timeout: plan.inputs.timeout ?? DEFAULT_TIMEOUT,
      exitCodes: plan.verdict.exitCodes,
      qemuArgs: d.qemuArgs,
      notes: d.notes,
    };
    return withVariants(plan, [image]);
  },
};

export const TEST_MODE: Mode = {
  command: 'test',
  cargo: 'test',
  groupBoots: true,
  readsCases: true,
  stopsOnMatch: false,
  images(plan, built, logDir, scratch) {
    const exes = requireTestExecutables(built.tests, plan.inputs.target);
    // Named among all of them, so that an executable's name is the same in every shard.
    const names = suiteNames(exes);
    const { shard } = plan.inputs;
    const share = shard ? shardShare(exes, names, shard).mine : exes.map((_, i) => i);
    const images = share.map((i): Image => {
      const exe = exes[i];
      const d = bootimageDefaults(readBootimage(exe.manifestPath), 'test');
      return {
        path: exe.executable,
        name: names[i],
        workDir: path.join(scratch, 'tests', String(i)),
        logPath: serialLog(plan, logDir, String(i), names[i]),
        // The inputs when given, else bootimage's test settings, else the action's and the family's.
        timeout: plan.inputs.timeout ?? d.timeout ?? DEFAULT_TIMEOUT,
        exitCodes: plan.inputs.exitCodes ?? d.exitCodes ?? plan.verdict.exitCodes,
        qemuArgs: d.qemuArgs,
        notes: d.notes,
        test: exe,
      };
    });
    return withVariants(plan, images);
  },
};

export const modeOf = (plan: Plan): Mode => (plan.inputs.command === 'test' ? TEST_MODE : BOOT_MODE);
