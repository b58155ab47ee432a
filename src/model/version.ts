/**
 * `a.b.c` (a `-suffix` after a part is ignored) compared numerically, part by part, with `min`
 * over min's length: is the version at least `min`? A missing or non-numeric part is never enough.
 */
export function atLeast(version: string, min: readonly number[]): boolean {
  const v = version.split(/[.-]/).map(Number);
  for (let i = 0; i < min.length; i++) if (v[i] !== min[i]) return v[i] > min[i];
  return true;
}
