import type { Pattern } from '../verdict/patterns.js';
import type { Inputs } from '../inputs/inputs.js';
import type { Asset } from '../install/download.js';

export type Accel = 'kvm' | 'tcg';

/** What kind of file the image is, from its first bytes: an ELF executable, a PE/COFF (.efi), or anything else (a raw disk image). */
export type ImageKind = 'elf' | 'pe' | 'raw';

/** How to boot one image: everything QEMU needs except the user's extra arguments. */
export interface BootContext {
  /** Absolute path of the image to boot. */
  kernel: string;
  accel: Accel;
  /** A scratch directory for files the boot needs (firmware copies, ESP folders, ...). */
  workDir: string;
  /** Local paths of the downloaded assets, by Asset.tool (empty in a dry run: then the URLs). */
  assets: Record<string, string>;
  /** The values of the target's own inputs (TargetProfile.inputs), by name ('' when unset). */
  targetInputs?: Record<string, string>;
  /** What the image is (see detectImage in common.ts). */
  image: ImageKind;
}

/** What a target family sets up right before cargo runs (see TargetProfile.prepareBuild). */
export interface BuildPrep {
  /** Extra environment for cargo (never RUSTFLAGS, never PATH: use path). */
  env?: Record<string, string>;
  /** Folders to put first on PATH for the build (in front of the toolchain's own). */
  path?: string[];
  /** Undoes what prepareBuild changed; called after the build, whether it passed or failed. */
  cleanup?: () => void;
}

/** A firmware file the default boot needs, and the Debian/Ubuntu package that ships it. */
export interface Firmware {
  path: string;
  aptPackage: string;
}

/** What the standard library needs when the toolchain has no prebuilt one for the target. */
export interface BuildStd {
  crates: string[];
  features: string[];
}

/**
 * Everything the pipeline needs to know about one target. A target family module turns a
 * target triple into one of these; no other module knows anything target-specific.
 */
export interface TargetProfile {
  /** The Rust target triple. */
  target: string;
  /** The family's human name, for the log and the summary. */
  family: string;
  /** CPU architecture as Rust names it (x86_64, aarch64, riscv64, arm). */
  arch: string;
  /** -Zbuild-std crates and features, used when no prebuilt std exists. */
  buildStd: BuildStd;
  /** Does the target link with `rust-lld`? (then a rust-lld must be reachable) */
  linksWithRustLld: boolean;
  qemu: {
    /** e.g. qemu-system-x86_64 */
    binary: string;
    /** Debian/Ubuntu package that ships it. */
    aptPackage: string;
  };
  /** Can this target run under KVM on this host (same architecture)? */
  kvmCapable: boolean;
  /** The CPU model to use under KVM, and under TCG (undefined: QEMU's default). */
  cpu: Record<Accel, string | undefined>;
  /** Default `-machine` (undefined: QEMU's default). The `machine` input replaces it. */
  machine?: string;
  /** Default `-m` (undefined: QEMU's default). The `memory` input replaces it. */
  memory?: string;
  /** The image kinds this target boots (undefined: any). */
  images?: ImageKind[];
  /** Firmware files the default boot reads; their packages are installed when a file is missing. */
  firmware: Firmware[];
  /** QEMU exit statuses that mean success when the guest exits by itself. */
  successExitCodes: number[];
  /** Lines that fail the run on sight unless the user turns the defaults off. */
  defaultFailOn: Pattern[];
  /** QEMU arguments for this target (without -accel/-machine/-cpu/-m, which the pipeline adds). Pure: no files are touched. */
  qemuArgs(ctx: BootContext): string[];
  /** Creates the files qemuArgs names in ctx.workDir (an ESP folder, a writable firmware copy), if any. */
  prepare?(ctx: BootContext): void;
  /** One sentence on what a QEMU exit status means for this target, for failure messages. */
  explainExit(status: number): string;

  // Optional hooks, for families that need more than the generic stages do.
  /** Checks that need the parsed inputs or the crate's files (throw InputError/ActionError); run before anything is installed, in dry runs too. */
  validate?(inputs: Inputs): void;
  /** Files to download before booting (a loader, a tool), verified and tool-cached by install/download.ts. */
  assets?(inputs: Inputs): Asset[];
  /** Debian/Ubuntu packages the build or boot needs besides QEMU (installed with apt-get when missing). */
  aptPackages?(inputs: Inputs): string[];
  /** Extra environment for cargo build (never RUSTFLAGS). Shown in the dry-run plan too. */
  buildEnv?(inputs: Inputs): Record<string, string>;
  /**
   * Names of inputs only this target reads (read by inputs.ts into Inputs.targetInputs; setting one
   * for another target is an input error). Declare them in action.yml with default ''.
   */
  inputs?: string[];
  /** Runs after installing, right before cargo: tools from the downloaded assets, files the build needs. */
  prepareBuild?(inputs: Inputs, assets: Record<string, string>): Promise<BuildPrep>;
  /** The profile specialised by the parsed inputs (loader, hypervisor, boot arguments); throw InputError on bad input. */
  configure?(inputs: Inputs): TargetProfile;
  /** Lines that must appear after the user's expect lines (success evidence the guest prints itself). */
  defaultExpect?: Pattern[];
  /**
   * Work after the toolchain is ready and before cargo build (e.g. install a second toolchain a
   * dependency's build script uses). In a dry run it must change nothing and only say what it would do.
   */
  prepareToolchain?(req: PrepareBuildRequest): Promise<PreparedBuild>;
  /** Boot with another program than QEMU (a hypervisor such as Uhyve). */
  bootProgram?: BootProgram;
  /** Reads what the guest printed (the serial log file) after the boot, for the log and outputs (issue 14: Unikraft's banner). */
  afterBoot?(serialLog: string): void;
}

/** The toolchain the app is built with, as prepareBuild sees it. */
export interface PrepareBuildRequest {
  inputs: Inputs;
  /** cargo to run, its environment and --config arguments (the app's toolchain). */
  cargo: string;
  env: Record<string, string>;
  cargoConfig: string[];
  dryRun: boolean;
}

export interface PreparedBuild {
  /** Extra environment for cargo build (never RUSTFLAGS). */
  env: Record<string, string>;
  /** What was found and done (or would be), for the log and the dry-run plan. */
  plan: Record<string, unknown>;
}

/** A program that boots the image instead of QEMU; needs KVM. */
export interface BootProgram {
  name: string;
  /** Finds or installs the program; returns its path. */
  install(): Promise<string>;
  /** What install() would do, without doing it (dry run). */
  planInstall(): Promise<string[]>;
  /** The command line (program path first). */
  command(program: string, ctx: BootContext): string[];
}

/** One module per target family implements this. */
export interface TargetFamily {
  /** Name shown in messages. */
  name: string;
  /** Example triples, listed when a user's target is not supported. */
  examples: string[];
  /** A profile for the triple, or undefined when the family does not handle it. */
  resolve(target: string): TargetProfile | undefined;
}
