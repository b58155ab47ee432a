import { test } from 'node:test';
import assert from 'node:assert/strict';
import { showUntrusted } from '../../../src/report/guest-log.js';

test("QEMU's stderr is shown inside a pause of workflow commands: a guest's ::stop-commands:: or ::set-output cannot act", () => {
  let out = '';
  const stderr = 'qemu-system-aarch64: warning: x\n::stop-commands::guess\n::add-mask::secret\n::set-output name=result::pass\r\n';
  showUntrusted("QEMU's own messages:", stderr, (s) => (out += s));
  const lines = out.split('\n');
  assert.equal(lines[0], "QEMU's own messages:");
  const m = /^::stop-commands::([0-9a-f]{32})$/.exec(lines[1]);
  assert.ok(m, lines[1]);
  assert.deepEqual(lines.slice(2, 6), ['qemu-system-aarch64: warning: x', '::stop-commands::guess', '::add-mask::secret', '::set-output name=result::pass']);
  assert.equal(lines[6], `::${m![1]}::`, 'the pause ends with its own random token, after the last line');
  assert.equal(lines[7], '');
  let none = '';
  showUntrusted('title', ' \n', (s) => (none += s));
  assert.equal(none, '', 'nothing for empty text');
});
