import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ActionError, InputError } from '../../model/errors.js';
import type { Sel4Arch } from './targets.js';

// What an installed seL4 kernel tells about itself. seL4's CMake installs (standalone build,
// https://github.com/seL4/seL4/blob/16.0.0/CMakeLists.txt, "install(TARGETS kernel.elf ...)"):
//   bin/kernel.elf
//   libsel4/include/**            with kernel/gen_config.json and sel4/gen_config.json
//   support/platform_gen.yaml     memory regions (not on x86: pc99 has no device tree)
//   support/platform_gen.json     the same as JSON (what Microkit SDKs ship per board)
//   support/kernel.dtb

export interface Region {
  start: number;
  end: number;
}

export interface PlatformInfo {
  memory: Region[];
  devices: Region[];
}

/**
 * Reads platform_gen.yaml or platform_gen.json. Both come from seL4's hardware tools with the
 * same shape, `{devices: [{start, end}], memory: [{start, end}]}`: the YAML with integers written
 * in hex (https://github.com/seL4/seL4/blob/16.0.0/tools/hardware/outputs/yaml.py), the JSON in
 * decimal (https://github.com/seL4/seL4/blob/16.0.0/tools/hardware/outputs/json.py).
 */
export function parsePlatformGen(text: string, file: string): PlatformInfo {
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ActionError(`${file} could not be read (${(e as Error).message.split('\n')[0]}); it should be the platform_gen file of an seL4 kernel build.`);
  }
  const regions = (key: 'memory' | 'devices'): Region[] => {
    const list = (doc as Record<string, unknown> | null)?.[key];
    if (!Array.isArray(list)) {
      if (key === 'devices') return [];
      throw new ActionError(`${file} has no '${key}' list of {start, end} regions; it should be the platform_gen file of an seL4 kernel build.`);
    }
    return list.map((r, i) => {
      const { start, end } = (r ?? {}) as Record<string, unknown>;
      if (typeof start !== 'number' || typeof end !== 'number' || !(end > start)) {
        throw new ActionError(`${file}: ${key}[${i}] is not a {start, end} region (${JSON.stringify(r)}).`);
      }
      return { start, end };
    });
  };
  return { memory: regions('memory'), devices: regions('devices') };
}

/**
 * Where RAM starts in QEMU's virt machines: 0x4000_0000 on Arm
 * (https://github.com/qemu/qemu/blob/v7.2.0/hw/arm/virt.c, VIRT_MEM), 0x8000_0000 on RISC-V
 * (https://github.com/qemu/qemu/blob/v7.2.0/hw/riscv/virt.c, VIRT_DRAM). The platform_gen
 * regions may start later (a reserved firmware area is cut off the front), so the size QEMU
 * must be given is the highest end minus this base.
 */
export const RAM_BASE: Partial<Record<Sel4Arch, number>> = { aarch64: 0x4000_0000, riscv64: 0x8000_0000 };

const MiB = 1024 * 1024;

/**
 * The `-m` in MiB the kernel was built for. seL4 fixes the guest memory at build time on QEMU's
 * virt machines (QEMU_MEMORY; 1024 by default on Arm, 3072 on riscv64:
 * https://github.com/seL4/seL4/blob/16.0.0/src/plat/qemu-riscv-virt/config.cmake), and a riscv64
 * kernel given less memory stops with "KERNEL ABORT ... halting...". undefined on x86_64, where
 * the memory is found at boot.
 */
export function memoryMiB(arch: Sel4Arch, info: PlatformInfo, file: string): number | undefined {
  const base = RAM_BASE[arch];
  if (base === undefined) return undefined;
  if (info.memory.length === 0) throw new ActionError(`${file} lists no memory regions.`);
  const top = Math.max(...info.memory.map((r) => r.end));
  if (top <= base)
    throw new ActionError(
      `${file}: memory ends at 0x${top.toString(16)}, below QEMU's RAM base 0x${base.toString(16)} for ${arch}; it is not a kernel for QEMU's virt machine.`,
    );
  return Math.ceil((top - base) / MiB);
}

/** QEMU's -m size (a number of MiB, or with K/M/G/T; `size=` and further `,slots=...` options allowed) in MiB. */
export function qemuSizeMiB(size: string): number {
  const opts = size.trim().split(',');
  const value = (opts.find((o) => o.startsWith('size=')) ?? opts[0]).replace(/^size=/, '');
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)[Bb]?$/i.exec(value);
  if (!m) return NaN;
  const f: Record<string, number> = { K: 1 / 1024, M: 1, '': 1, G: 1024, T: 1024 * 1024 };
  return Number(m[1]) * f[m[2].toUpperCase()];
}

/**
 * The guest memory the user's qemu-args set: the value of the last -m (QEMU keeps the last one,
 * and the action puts qemu-args after its own options), in any of QEMU's spellings (`-m 2G`,
 * `--m 2G`, `-m=2G`, `-m size=2G,maxmem=4G`). undefined: qemu-args set none.
 */
export function qemuArgsMemory(args: string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const m = /^--?m(?:=(.*))?$/.exec(args[i]);
    if (!m) continue;
    found = m[1] ?? args[i + 1];
    if (m[1] === undefined) i++;
  }
  return found;
}

/** Where the size the kernel needs comes from, for messages: read from the kernel's files, or assumed (seL4's default, nothing says otherwise). */
export interface MemorySource {
  /** The file or setting it was read from, or the default's name and URL. */
  source: string;
  /** The size is seL4's default, assumed because no sel4-prefix tells the real one. */
  assumed?: boolean;
}

/**
 * The `-m` to boot with: the built size unless `memory` (or a -m in qemu-args) is given; a size
 * smaller than the kernel was built for is refused wherever it was set (the kernel would place
 * memory QEMU does not have: on riscv64 the loader hangs, or seL4 stops with "KERNEL ABORT").
 */
export function chooseMemory(
  builtMiB: number | undefined,
  memoryInput: string | undefined,
  from: string | MemorySource,
  qemuArgs: string[] = [],
): string | undefined {
  const src: MemorySource = typeof from === 'string' ? { source: from } : from;
  const fromArgs = qemuArgsMemory(qemuArgs);
  const check = (input: 'memory' | 'qemu-args', given: string, shown: string) => {
    if (builtMiB === undefined || !(qemuSizeMiB(given) < builtMiB)) return;
    if (src.assumed) {
      throw new InputError(
        input,
        `${shown} is less than ${builtMiB} MiB, ${src.source}; no sel4-prefix says what the kernel was built for, so the action assumes that default`,
        `Give sel4-prefix (the kernel's install prefix: its support/platform_gen.yaml holds the size it was really built for), or at least ${builtMiB}M.`,
      );
    }
    throw new InputError(
      input,
      `${shown} is less than the ${builtMiB} MiB the seL4 kernel was built for (${src.source})`,
      `Give at least ${builtMiB}M, leave ${input === 'memory' ? 'memory unset' : '-m out of qemu-args'} to use it, or rebuild the kernel with another QEMU_MEMORY (sel4-config: QEMU_MEMORY=<MiB>).`,
    );
  };
  if (memoryInput) check('memory', memoryInput, `'${memoryInput}'`);
  if (fromArgs !== undefined) check('qemu-args', fromArgs, `-m ${fromArgs}`);
  if (fromArgs !== undefined) return fromArgs;
  if (memoryInput) return memoryInput;
  return builtMiB === undefined ? undefined : `${builtMiB}M`;
}

/** The kernel configuration from libsel4/include/kernel/gen_config.json (values are booleans or strings). */
export type GenConfig = Record<string, boolean | string>;

export function parseGenConfig(text: string, file: string): GenConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ActionError(`${file} is not JSON (${(e as Error).message}); it should be seL4's kernel/gen_config.json.`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ActionError(`${file} is not a JSON object of seL4 settings.`);
  return doc as GenConfig;
}

/** seL4's name for the architecture (KernelSel4Arch, SEL4_ARCH in gen_config.json). */
const SEL4_ARCH: Record<Sel4Arch, string> = { aarch64: 'aarch64', riscv64: 'riscv64', x86_64: 'x86_64' };

/**
 * Refuses a kernel that can never be judged or cannot run the crate: built without PRINTING (it
 * prints nothing, so no line could ever pass or fail the run), for another architecture, or
 * without the FPU a riscv64gc target's code uses.
 */
export function checkGenConfig(cfg: GenConfig, arch: Sel4Arch, opts: { needsFpu: boolean; file: string; input: string }): void {
  const fix = `Give ${opts.input === 'sel4-prefix' ? 'a kernel built' : 'settings'} with KernelPrinting=ON (a debug build: KernelDebugBuild=ON prints by default)`;
  if (cfg.PRINTING !== true) {
    throw new InputError(
      opts.input,
      `the seL4 kernel was built without PRINTING (${opts.file}: "PRINTING" is ${JSON.stringify(cfg.PRINTING ?? null)}); it prints nothing on the serial console, so nothing could show the run passed`,
      `${fix}.`,
    );
  }
  if (typeof cfg.SEL4_ARCH === 'string' && cfg.SEL4_ARCH !== SEL4_ARCH[arch]) {
    throw new InputError(
      opts.input,
      `the seL4 kernel is built for ${cfg.SEL4_ARCH} (${opts.file}), the target for ${arch}`,
      `Give a kernel built with KernelSel4Arch=${SEL4_ARCH[arch]}, or the matching target.`,
    );
  }
  if (opts.needsFpu && cfg.RISCV_EXT_D === false) {
    throw new InputError(
      opts.input,
      `the seL4 kernel is built without the RISC-V D extension (${opts.file}: RISCV_EXT_D false), and riscv64gc code uses floating point`,
      'Use a riscv64imac-sel4 target, or a kernel built with KernelRiscvExtD=ON.',
    );
  }
}

/** What the action reads from an installed kernel (sel4-prefix, or the prefix it built). */
export interface KernelFacts {
  prefix: string;
  kernel: string;
  includeDir: string;
  genConfig: GenConfig;
  /** platform_gen.yaml or .json, when the platform has one. */
  platformFile?: string;
  /** -m in MiB the kernel was built for (undefined on x86_64). */
  memoryMiB?: number;
}

/** Reads and checks an installed seL4 prefix; every missing piece is named with the fix. */
export function readPrefix(prefix: string, arch: Sel4Arch, needsFpu: boolean, input = 'sel4-prefix'): KernelFacts {
  const need = (rel: string) => {
    const p = path.join(prefix, rel);
    if (!fs.existsSync(p)) {
      throw new InputError(
        input,
        `${prefix} has no ${rel}`,
        'Give the CMAKE_INSTALL_PREFIX of a standalone seL4 kernel build (cmake ... && ninja install): it holds bin/kernel.elf, libsel4/include and support/platform_gen.yaml.',
      );
    }
    return p;
  };
  const kernel = need('bin/kernel.elf');
  const includeDir = need('libsel4/include');
  const genFile = need('libsel4/include/kernel/gen_config.json');
  const genConfig = parseGenConfig(fs.readFileSync(genFile, 'utf8'), genFile);
  checkGenConfig(genConfig, arch, { needsFpu, file: genFile, input });
  let platformFile: string | undefined;
  let mem: number | undefined;
  if (RAM_BASE[arch] !== undefined) {
    platformFile = ['support/platform_gen.yaml', 'support/platform_gen.json'].map((r) => path.join(prefix, r)).find((p) => fs.existsSync(p));
    if (!platformFile) need('support/platform_gen.yaml');
    mem = memoryMiB(arch, parsePlatformGen(fs.readFileSync(platformFile!, 'utf8'), platformFile!), platformFile!);
  }
  return { prefix, kernel, includeDir, genConfig, platformFile, memoryMiB: mem };
}
