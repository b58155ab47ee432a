import * as tc from '@actions/tool-cache';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ActionError } from '../../model/errors.js';
import type { Log } from '../../model/log.js';
import type { RunnerEnv } from '../../model/runner-env.js';
import { capture, errorLine, runLogged } from '../../proc/run.js';
import type { CargoView } from '../contract.js';
import { addPayload, kernelLoaderInstall, kernelToElf32, microkitCommand, pyfdtInstall } from './build.js';

// The seL4 steps that change something (run only by the real run, never by the dry run): each
// runs the command lines build.ts and kernel-build.ts describe, and fails with the step named.

async function step(argv: string[], what: string, env: Record<string, string> = {}): Promise<void> {
  const r = await runLogged(argv[0], argv.slice(1), { env });
  if (r.code !== 0) throw new ActionError(`seL4: ${what} failed (${argv.join(' ')}): ${errorLine(r.stderr || r.stdout) || `exit status ${r.code}`}.`);
}

const scratch = (temp: string, name: string) => {
  fs.mkdirSync(temp, { recursive: true });
  return fs.mkdtempSync(path.join(temp, name));
};

/** pyfdt into a private folder (for PYTHONPATH): seL4's hardware tools import it, and Debian has no package. */
export async function installPyfdt(temp: string): Promise<string> {
  const dir = scratch(temp, 'sel4-pyfdt-');
  await step(pyfdtInstall(dir), 'installing pyfdt (pip)');
  return dir;
}

/** The first line of `<qemu> --version` ('' when QEMU is not there): part of the kernel's cache key, since configuring reads QEMU's device tree. */
export async function qemuVersion(binary: string): Promise<string> {
  const r = await capture(binary, ['--version']).catch(() => ({ code: 1, stdout: '' }));
  return r.code === 0 ? r.stdout.split('\n')[0].trim() : '';
}

/**
 * sel4-kernel-loader and sel4-kernel-loader-add-payload, `cargo install`ed at the crate's
 * rust-sel4 revision with the app's cargo (a nightly: the loader is built with -Z build-std), and
 * tool-cached per revision and kernel (the loader embeds the kernel's platform info).
 */
export async function installKernelLoader(
  arch: Parameters<typeof kernelLoaderInstall>[0],
  rev: string,
  prefix: string,
  cargo: CargoView,
  runner: RunnerEnv,
  log: Log,
): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify([rev, prefix]))
    .digest('hex')
    .slice(0, 12);
  const tool = `sel4-kernel-loader-${arch}`;
  const version = `0.0.0-h${key}`;
  const hit = runner.toolCache ? tc.find(tool, version) : '';
  if (hit) {
    log.info(`sel4-kernel-loader (${arch}, rust-sel4 ${rev.slice(0, 12)}): from the tool cache (${hit})`);
    return hit;
  }
  const root = scratch(runner.temp, 'sel4-kernel-loader-');
  try {
    for (const c of kernelLoaderInstall(arch, rev, prefix, root)) {
      await step([cargo.cargo, ...cargo.cargoConfig, ...c.args], `cargo install ${c.args[c.args.length - 1]}`, { ...cargo.env, ...c.env });
    }
    return runner.toolCache ? await tc.cacheDir(root, tool, version) : root;
  } finally {
    if (runner.toolCache) fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The bootable image of a root task on aarch64/riscv64: the loader with the kernel and the root task as payload. */
export async function assembleRootTask(executables: string[], loaderRoot: string, prefix: string, out: string): Promise<string> {
  if (executables.length !== 1) {
    throw new ActionError(
      `cargo built ${executables.length} executables (${executables.map((e) => path.basename(e)).join(', ')}), and a root task is one. Choose it with cargo-args: --bin NAME (or -p PACKAGE).`,
    );
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await step(addPayload(loaderRoot, prefix, executables[0], out), 'adding the kernel and the root task to the loader (sel4-kernel-loader-add-payload)');
  return out;
}

/**
 * The same for a prebuilt root task (the kernel input with sel4-kernel-loader), right before the
 * boot: synchronous, as the boot's prepare step is.
 */
export function assembleRootTaskSync(rootTask: string, loaderRoot: string, prefix: string, out: string): void {
  const argv = addPayload(loaderRoot, prefix, rootTask, out);
  try {
    execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (e) {
    const err = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new ActionError(
      `seL4: adding the kernel and the root task to the loader (sel4-kernel-loader-add-payload) failed (${argv.join(' ')}): ${errorLine(err) || (e as Error).message.split('\n')[0]}. Check that kernel is a root task built for the kernel in sel4-prefix, and sel4-kernel-loader the loader built for that kernel.`,
    );
  }
}

/** x86_64: the kernel as an elf32-i386 copy, for QEMU's -kernel (created once per boot folder). */
export function ensureKernel32(kernel: string, out: string, run: (argv: string[]) => void): void {
  if (fs.existsSync(out)) return;
  const argv = kernelToElf32(kernel, out);
  try {
    run(argv);
  } catch (e) {
    fs.rmSync(out, { force: true });
    throw new ActionError(
      `seL4: the kernel could not be converted to elf32 for QEMU's -kernel (${argv.join(' ')}): ${(e as Error).message.split('\n')[0]}. Check that ${kernel} is the x86_64 seL4 kernel (sel4-prefix), and that binutils is installed.`,
    );
  }
}

/** The Microkit system image from every protection domain cargo built. */
export async function assembleMicrokit(sdk: string, system: string, executables: string[], board: string, config: string, outDir: string): Promise<string> {
  fs.mkdirSync(outDir, { recursive: true });
  const argv = microkitCommand(
    sdk,
    system,
    executables.map((e) => path.dirname(e)),
    board,
    config,
    outDir,
  );
  await step(argv, 'building the Microkit system image (microkit)');
  return path.join(outDir, 'loader.img');
}
