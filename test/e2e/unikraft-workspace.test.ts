// Runs the real cargo (system packages): an e2e test.
// Issue 14: the workspace root from cargo, and the kraftld wrapper, run for real through /bin/sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kraftldWrapper, linkDirNote, locateWorkspaceRoot, parseLocateProject } from '../../src/targets/unikraft/workspace.js';
import { ROOT } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';

test('cargo locate-project --workspace: the member of examples/unikraft-workspace has the workspace folder as its root', async () => {
  const ws = path.join(ROOT, 'examples', 'unikraft-workspace');
  assert.deepEqual(await locateWorkspaceRoot('cargo', path.join(ws, 'app')), { root: ws });
  const alone = path.join(ROOT, 'examples', 'unikraft-hello');
  assert.deepEqual(await locateWorkspaceRoot('cargo', alone), { root: alone });
  assert.equal(parseLocateProject('/a/b/Cargo.toml\n'), '/a/b');
  assert.equal(parseLocateProject('warning: x\n'), undefined);
  const bad = await locateWorkspaceRoot('cargo', os.tmpdir());
  assert.ok('error' in bad && /cargo locate-project --workspace failed/.test(bad.error));
  assert.match(
    linkDirNote(ws, path.join(ws, 'app')),
    /member of the Cargo workspace at .*unikraft-workspace, where cargo runs the linker; the action's kraftld wrapper runs kraft build in .*app/,
  );
  assert.match(linkDirNote(alone, alone), /the Cargo workspace root, where the Kraftfile is/);
});

test('the wrapper runs the real kraftld in the Kraftfile folder with absolute paths, and removes the stale .config', () => {
  const t = tempDir("uk-wrap-it's-");
  const root = path.join(t, 'root');
  const member = path.join(root, 'member');
  fs.mkdirSync(path.join(root, 'deps'), { recursive: true });
  fs.mkdirSync(member);
  fs.writeFileSync(path.join(root, 'deps', 'a.o'), '');
  fs.writeFileSync(path.join(member, '.config.app_qemu-x86_64'), 'stale');
  fs.writeFileSync(path.join(member, '.config.other_qemu-x86_64'), 'kept');
  const log = path.join(t, 'log');
  const real = path.join(t, 'real-kraftld');
  fs.writeFileSync(real, `#!/bin/sh\n{ echo "cwd=$PWD"; for a in "$@"; do echo "arg=$a"; done; ls -A; } > '${log.replace(/'/g, `'\\''`)}'\n`, { mode: 0o755 });
  const wrapper = path.join(t, 'kraftld');
  fs.writeFileSync(wrapper, kraftldWrapper({ realKraftld: real, kraftfileDir: member, plat: 'qemu', arch: 'x86_64' }), { mode: 0o755 });
  execFileSync(wrapper, ['-o', 'out/app-1234', 'deps/a.o', '-L', 'lib', '/abs/b.rlib', '-nodefaultlibs', 'word with space'], {
    cwd: root,
    env: { ...process.env, KRAFTKIT_TARGET: 'app', KRAFTKIT_PLAT: 'qemu', KRAFTKIT_ARCH: 'x86_64' },
  });
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(lines[0], `cwd=${member}`);
  assert.deepEqual(
    lines.filter((l) => l.startsWith('arg=')).map((l) => l.slice(4)),
    ['-o', `${root}/out/app-1234`, `${root}/deps/a.o`, '-L', `${root}/lib`, '/abs/b.rlib', '-nodefaultlibs', 'word with space'],
  );
  assert.deepEqual(
    lines.filter((l) => !l.includes('=')),
    ['.config.other_qemu-x86_64'],
    "only the target's own stale .config is removed",
  );
});
