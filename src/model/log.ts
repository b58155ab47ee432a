/**
 * Where a target family's lines go: the pipeline hands one to the steps it calls, so a family
 * returns data and says what it did without knowing about @actions/core.
 */
export interface Log {
  info(line: string): void;
  warning(line: string, title?: string): void;
}

/** A log that keeps its lines (tests, and steps whose lines are shown later). */
export function memoryLog(): Log & { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  return { lines, warnings, info: (l) => void lines.push(l), warning: (l) => void warnings.push(l) };
}
