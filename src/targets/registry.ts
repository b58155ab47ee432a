import { bareMetal } from './bare-metal/family.js';
import type { Family } from './contract.js';
import { hermit } from './hermit/family.js';
import { sel4 } from './sel4/family.js';
import { unikraft } from './unikraft/family.js';

/** Every supported target family: one line each. */
export const FAMILIES: Family[] = [bareMetal, unikraft, hermit, sel4];

export function familyFor(target: string): Family | undefined {
  return FAMILIES.find((f) => f.handles(target));
}

export function supportedTargets(): string[] {
  return FAMILIES.flatMap((f) => f.examples);
}
