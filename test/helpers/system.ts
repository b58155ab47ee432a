import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Fails (never skips) when a program a test needs is missing, naming the apt package that has it:
 * scripts/setup.sh installs every such package, and test/unit/action/setup-packages.test.ts checks
 * that each `requireProgram(program, package)` names a package setup.sh installs.
 */
export function requireProgram(program: string, aptPackage: string): void {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { stdio: 'ignore' });
  if (r.status !== 0)
    throw new Error(`${program} is not installed: this test needs the apt package ${aptPackage} (run 'bash scripts/setup.sh', which installs it).`);
}

/** As requireProgram, for a file a package installs. */
export function requireFile(file: string, aptPackage: string): void {
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: this test needs the apt package ${aptPackage} (run 'bash scripts/setup.sh', which installs it).`);
}
