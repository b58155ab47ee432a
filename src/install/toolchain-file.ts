import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ActionError } from '../model/errors.js';

/** What a rust-toolchain.toml (or legacy rust-toolchain) file asks for. */
export interface ToolchainFile {
  file: string;
  channel?: string;
  /** A custom toolchain folder (`path = ...`), used as it is. */
  path?: string;
  components: string[];
  targets: string[];
}

/** Finds the toolchain file rustup would use for `dir`: in it or the nearest parent. */
export function findToolchainFile(dir: string): ToolchainFile | undefined {
  let d = path.resolve(dir);
  for (;;) {
    for (const name of ['rust-toolchain', 'rust-toolchain.toml']) {
      const f = path.join(d, name);
      if (fs.existsSync(f) && fs.statSync(f).isFile()) return parseToolchainFile(f);
    }
    const parent = path.dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
}

export function parseToolchainFile(file: string): ToolchainFile {
  const text = fs.readFileSync(file, 'utf8');
  const trimmed = text.trim();
  // The legacy form is a single line naming the channel.
  if (path.basename(file) === 'rust-toolchain' && /^[\w.-]+$/.test(trimmed)) {
    return { file, channel: trimmed, components: [], targets: [] };
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    throw new ActionError(`${file} is not valid TOML (${(e as Error).message.split('\n')[0]}); fix it or set the toolchain input.`);
  }
  const tc = (doc.toolchain ?? {}) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const base = path.dirname(file);
  return {
    file,
    channel: typeof tc.channel === 'string' ? tc.channel : undefined,
    path: typeof tc.path === 'string' ? path.resolve(base, tc.path) : undefined,
    components: list(tc.components),
    targets: list(tc.targets),
  };
}
