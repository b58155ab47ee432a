// The annotations input on rustc's diagnostics: cargoBuild run with a STAND-IN CARGO (a shell script
// printing the JSON messages real cargo prints for one warning and one error: the shapes of
// https://doc.rust-lang.org/cargo/reference/external-tools.html#compiler-messages), its
// workflow commands read from what it writes to stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cargoBuild, type Annotations } from '../../../src/cargo/cargo.js';
import type { Toolchain } from '../../../src/install/toolchain.js';
import { tempDir } from '../../helpers/tmp.js';

function standInCargo(dir: string): string {
  const span = (line: number) => ({ file_name: 'src/main.rs', line_start: line, line_end: line, column_start: 5, column_end: 9, is_primary: true });
  const msg = (level: string, message: string, line: number) =>
    JSON.stringify({ reason: 'compiler-message', message: { level, message, rendered: `${level}: ${message}\n`, spans: [span(line)] } });
  const file = path.join(dir, 'cargo');
  // printf, not echo: dash's echo would turn the JSON's \n into a line break.
  fs.writeFileSync(
    file,
    [
      '#!/bin/sh',
      `if [ "$1" = locate-project ]; then echo '${dir}/Cargo.toml'; exit 0; fi`,
      `printf '%s\\n' '${msg('warning', 'unused variable: `x`', 3)}'`,
      `printf '%s\\n' '${msg('error', 'mismatched types', 7)}'`,
      'exit 101',
    ].join('\n') + '\n',
    { mode: 0o755 },
  );
  return file;
}

/** The workflow commands cargoBuild writes for the stand-in's warning and error under `which`. */
async function commands(which: Annotations | undefined): Promise<string[]> {
  const dir = tempDir('annotations-');
  const cargo = standInCargo(dir);
  const tc = { cargo, env: {} } as unknown as Toolchain;
  const written: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await assert.rejects(
      cargoBuild(tc, { command: [cargo, 'build'], workingDirectory: dir, target: 'x86_64-unknown-none', workspace: dir, baseEnv: {}, annotations: which }),
      /cargo build failed \(exit status 101\) with 1 error: mismatched types/,
      'the build fails with its reason whatever the annotations',
    );
  } finally {
    process.stdout.write = write;
  }
  return written
    .join('')
    .split('\n')
    .filter((l) => /^::(warning|error)/.test(l));
}

test('annotations: all annotates the warning and the error, errors only the error, none neither', async () => {
  const all = await commands(undefined);
  assert.equal(all.length, 2, all.join('\n'));
  assert.match(all[0], /^::warning title=rustc warning,file=src\/main.rs,line=3,/);
  assert.match(all[1], /^::error title=rustc error,file=src\/main.rs,line=7,/);
  assert.deepEqual(await commands('all'), all);
  const errors = await commands('errors');
  assert.deepEqual(errors, [all[1]]);
  assert.deepEqual(await commands('none'), []);
});
