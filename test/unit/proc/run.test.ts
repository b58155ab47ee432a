import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capture, runLogged } from '../../../src/proc/run.js';

// Issue 23: output that is parsed (capture: apt-cache policy, dpkg-query, rustc -vV, qemu --version)
// comes in the C locale, whatever the runner's; logged output keeps the runner's.
test('capture runs in the C locale (LC_ALL=C over LANG/LANGUAGE); a caller may still set its own', async () => {
  const saved = { LANG: process.env.LANG, LANGUAGE: process.env.LANGUAGE, LC_ALL: process.env.LC_ALL };
  try {
    Object.assign(process.env, { LANG: 'de_DE.UTF-8', LANGUAGE: 'de', LC_ALL: 'de_DE.UTF-8' });
    const r = await capture('sh', ['-c', 'echo "$LC_ALL"']);
    assert.equal(r.stdout.trim(), 'C');
    assert.equal((await capture('sh', ['-c', 'echo "$LC_ALL"'], { env: { LC_ALL: 'C.UTF-8' } })).stdout.trim(), 'C.UTF-8');
    assert.equal((await runLogged('sh', ['-c', 'echo "$LC_ALL"'])).stdout.trim(), 'de_DE.UTF-8');
    // A real parsed tool: dpkg-query's messages are gettext-translated; in C they are English.
    const q = await capture('dpkg-query', ['-W', 'no-such-package-w23']);
    assert.match(q.stderr, /no packages found matching no-such-package-w23/);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
