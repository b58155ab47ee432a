import type { TargetFamily, TargetProfile } from './types.js';
import { x86_64None } from './x86_64-none.js';
import { aarch64None } from './aarch64-none.js';
import { riscvNone } from './riscv-none.js';
import { cortexM } from './cortex-m.js';
import { uefi } from './uefi.js';
import { unikraft } from './unikraft.js';
import { hermit } from './hermit.js';

/** Every supported target family. Adding a target family means adding a module here. */
export const FAMILIES: TargetFamily[] = [x86_64None, aarch64None, riscvNone, cortexM, uefi, unikraft, hermit];

export function resolveTarget(target: string): TargetProfile | undefined {
  for (const f of FAMILIES) {
    const p = f.resolve(target);
    if (p) return p;
  }
  return undefined;
}

/** Every target-specific input name, with the targets that read it. */
export function targetSpecificInputs(): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const f of FAMILIES) {
    for (const t of f.examples) {
      for (const name of f.resolve(t)?.inputs ?? []) byName.set(name, [...(byName.get(name) ?? []), t]);
    }
  }
  return byName;
}

export function supportedTargets(): string[] {
  return FAMILIES.flatMap((f) => f.examples);
}

export type { TargetProfile, TargetFamily, Accel, BootContext, BuildPrep, ImageKind } from './types.js';
export { detectImage } from './common.js';
