import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../model/errors.js';

/**
 * A custom target spec: `target: x86_64-blog_os.json`, as in blog_os
 * (https://github.com/phil-opp/blog_os/blob/post-02/x86_64-blog_os.json) and the kernels that
 * followed it. cargo takes the path for --target and rustc reads the JSON
 * (https://doc.rust-lang.org/rustc/targets/custom.html); the action reads its `arch` (else the
 * first component of `llvm-target`) to pick the QEMU board.
 */
export interface TargetSpec {
  file: string;
  arch: string;
  llvmTarget: string;
}

export const isTargetSpec = (target: string) => target.toLowerCase().endsWith('.json');

/** Reads the spec at `target`, relative to the working directory (where cargo runs). */
export function readTargetSpec(target: string, workingDirectory: string): TargetSpec {
  const file = path.resolve(workingDirectory, target);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError(
      'target',
      `'${target}' names a custom target spec, but ${file} does not exist`,
      'Give the spec file relative to working-directory (cargo runs there), e.g. target: x86_64-blog_os.json next to Cargo.toml, or a built-in target such as x86_64-unknown-none.',
    );
  }
  let spec: Record<string, unknown>;
  try {
    spec = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new InputError('target', `${file} is not valid JSON (${(e as Error).message})`, 'Fix the target spec; rustc cannot read it either.');
  }
  const llvmTarget = typeof spec['llvm-target'] === 'string' ? spec['llvm-target'] : '';
  const arch = typeof spec.arch === 'string' ? spec.arch : llvmTarget.split('-')[0];
  if (!arch) {
    throw new InputError(
      'target',
      `${file} has neither "arch" nor "llvm-target"`,
      'A target spec names both, e.g. "llvm-target": "x86_64-unknown-none", "arch": "x86_64".',
    );
  }
  return { file, arch, llvmTarget };
}
