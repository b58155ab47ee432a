import type { TargetFamily, TargetProfile } from './types.js';
import { x86_64None } from './x86_64-none.js';
import { hermit } from './hermit.js';

/** Every supported target family. Adding a target family means adding a module here. */
export const FAMILIES: TargetFamily[] = [x86_64None, hermit];

export function resolveTarget(target: string): TargetProfile | undefined {
  for (const f of FAMILIES) {
    const p = f.resolve(target);
    if (p) return p;
  }
  return undefined;
}

export function supportedTargets(): string[] {
  return FAMILIES.flatMap((f) => f.examples);
}

export type { TargetProfile, TargetFamily, Accel, BootContext } from './types.js';
