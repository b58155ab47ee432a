import type { BuildStd } from '../cargo/cargo.js';
import type { Log } from '../model/log.js';
import type { RunnerEnv } from '../model/runner-env.js';
import type { InputSpec } from '../model/parse.js';
import type { Asset } from '../install/download.js';
import type { ToolPart } from '../cache/key.js';
import type { Firmware } from '../install/qemu.js';
import type { Pattern } from '../model/patterns.js';
import type { TargetVerdict } from '../verdict/policy.js';
import type { Launcher } from '../boot/launchers.js';
import type { ImageKind, QemuBoot } from '../boot/qemu-args.js';
import type { CpuNeed } from '../boot/cpu-features.js';
import type { BootEnd } from '../verdict/verdict.js';

export type { BuildStd, Firmware };
export type { Accel, BootContext, ImageKind, QemuBoot, QemuLoad } from '../boot/qemu-args.js';

/**
 * The one contract between the pipeline and a target family. A family lives in its own folder
 * (src/targets/<family>/), declares the inputs only it reads, and turns a target triple plus the
 * parsed inputs into a TargetPlan: what to install, how to build, how to boot and what success
 * means. The pipeline knows nothing else about targets; adding a family is a folder, a line in
 * registry.ts, its inputs in action.yml and a guide in docs/ (with a line in the README), an example and tests.
 */

/** The inputs every family may read, parsed by the pipeline (src/inputs/inputs.ts). */
export interface CommonInputs {
  target: string;
  /** The runner's environment (src/model/runner-env.ts): scratch and tool-cache folders, CARGO_HOME. */
  runnerEnv: RunnerEnv;
  /** GITHUB_WORKSPACE (else the current folder): relative paths in inputs start there. */
  workspace: string;
  /** Absolute path of the crate (or workspace) to build. */
  workingDirectory: string;
  /** Absolute path of a prebuilt image to boot instead of building. */
  kernel?: string;
  /** The user's extra cargo arguments (a family may need their feature flags, e.g. for cargo metadata). */
  cargoArgs: string[];
  expect: Pattern[];
  accel: 'auto' | 'kvm' | 'tcg';
  qemuArgs: string[];
  /** The memory input (QEMU -m): a family whose kernel fixes its memory at build time checks it (seL4). */
  memory?: string;
  /**
   * Are there probes or a console script (inputs probes, console-script)? Then they are the
   * success evidence of a server that never exits: a family drops an exit line it would otherwise
   * require (Hermit's `exit status 0`).
   */
  converses?: boolean;
}

/** The cargo the app is built with, as a family's before-cargo step sees it. */
export interface CargoView {
  cargo: string;
  env: Record<string, string>;
  cargoConfig: string[];
}

/** What a family's before-cargo step sets up for the build. */
export interface BuildPrep {
  /** Extra environment for cargo (never RUSTFLAGS, never PATH: use path). */
  env?: Record<string, string>;
  /** Folders to put first on PATH for the build (in front of the toolchain's own). */
  path?: string[];
  /** Undoes what the step changed; called after the build, whether it passed or failed. */
  cleanup?: () => void;
}

/**
 * Work after the toolchain is ready and right before cargo (tools from downloaded assets, a
 * second toolchain a build script needs, a file the build reads). `describe` changes nothing: it
 * says what `run` would do, for the dry-run plan.
 */
export interface BeforeCargo {
  describe(cargo: CargoView): Promise<Record<string, unknown>>;
  /** `log` takes what the step did, for the build's log group. */
  run(cargo: CargoView, assets: Record<string, string>, log: Log): Promise<BuildPrep>;
}

/** What a family reads from a finished boot's serial log: lines for the log, outputs for later steps. */
export interface AfterBoot {
  lines?: string[];
  outputs?: Record<string, string>;
}

/** One plan for one target, in stages. */
export interface TargetPlan {
  target: string;
  /** The family's human name, for the log and the summary. */
  family: string;
  install: {
    /** Debian/Ubuntu packages the build or boot needs besides QEMU (installed when missing). */
    apt: string[];
    firmware: Firmware[];
    /** Verified, tool-cached downloads (a loader, a tool). */
    downloads: Asset[];
    /**
     * Tools the family installs into the tool cache itself (bootimage, with cargo install, in a
     * before-cargo step): kept in the tools cache entry with the downloads, by name (their tool
     * cache folder), version and pin.
     */
    builtTools?: ToolPart[];
  };
  build: {
    buildStd: BuildStd;
    /** Does the target link with `rust-lld`? (then a rust-lld must be reachable) */
    linksWithRustLld: boolean;
    /** Extra environment for cargo (never RUSTFLAGS). */
    env: Record<string, string>;
    /**
     * Extra `--config` arguments for cargo, known from the inputs and the crate's files (seL4's
     * custom target specs need `target.<t>.rustflags` with -Zunstable-options; never RUSTFLAGS).
     */
    cargoConfig?: string[];
    beforeCargo?: BeforeCargo;
    /**
     * Turns what cargo built into the bootable image (an image-assembly step, e.g. an seL4 loader
     * around the app). Absent: the executable cargo built is booted as it is, and cargo must build
     * exactly one. Present: it gets every executable cargo built (a Microkit system has one per
     * protection domain), and `output` names the image before it exists, for the dry run.
     */
    assemble?: {
      output(workDir: string): string;
      run(executables: string[], workDir: string): Promise<string>;
    };
  };
  boot: {
    qemu: QemuBoot;
    /** Can this target run under KVM on this host (same architecture)? */
    kvmCapable: boolean;
    /**
     * The ways each image is booted, each its own boot that must pass (x86_64's boot-firmware:
     * both: `['bios', 'uefi']`); the family's QemuBoot reads a boot's way in BootContext.variant.
     * Undefined: one boot per image.
     */
    variants?: string[];
    /**
     * The family's inputs that were set and that only the action's own QEMU applies (boot-protocol,
     * boot-firmware): with a runner command or cargo run booting the image, they are refused.
     */
    qemuOnlyInputs?: string[];
    /** The image kinds this target boots (undefined: any). */
    images?: ImageKind[];
    /**
     * A launcher other than QEMU the family's own input chose (Uhyve), and that input's name: the
     * runner input choosing one too is an input error.
     */
    launcher?: { launcher: Launcher; chosenBy: string };
    /** Reads the serial log after the boot, for what the family reports besides the verdict (e.g. a version from a banner). */
    afterBoot?: (serialLog: string) => AfterBoot;
    /**
     * CPU features the image cannot boot without, read from the image (Unikraft 0.17's LIBUKRANDOM
     * needs RDSEED): under accel: auto they decide the accelerator when TCG lacks one (boot/cpu-features.ts).
     */
    cpuNeeds?: (image: string) => CpuNeed[];
  };
  /** What the plan assumed, for the log's plan group (seL4's default memory when nothing says what the kernel was built for). */
  notes?: string[];
  /** Warnings about the plan (a moving Unikraft version), shown once before anything runs; a dry run lists them. */
  warnings?: { title: string; message: string }[];
  /** What success means for this target (see TargetVerdict in src/verdict/policy.ts). */
  verdict: TargetVerdict & {
    /**
     * One sentence added to a failed run's reason when no failure line decided it (a timeout): how
     * far the boot got by the serial lines, e.g. seL4's "never booted" against "booted, then hung";
     * or what the serial lines and the way the boot ended (`end`) tell that the status cannot
     * (Unikraft's HWRNG failure, its halt whatever main returned). Empty: nothing to add.
     */
    explainNoVerdict?(lines: string[], end?: BootEnd): string;
  };
}

/** One target family, in its own folder. */
export interface Family {
  /** Name shown in messages. */
  name: string;
  /** The triples it handles, listed when a user's target is not supported (examples for patterns). */
  examples: string[];
  handles(target: string): boolean;
  /** The inputs only this family reads; setting one for another family's target is an input error. */
  inputs: InputSpec[];
  /**
   * The plan for a triple this family handles, from the common inputs and its own (parsed by its
   * InputSpecs, by name). Throws InputError on bad input; reads files, never changes any.
   */
  plan(target: string, common: CommonInputs, own: Record<string, unknown>): TargetPlan;
}
