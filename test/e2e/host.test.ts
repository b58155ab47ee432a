// macOS and Windows runners are refused at once, with the fix, before anything is installed: the
// bundle runs as the runner runs it, with process.platform set as on those runners (Node's
// --import of a one-line module, through NODE_OPTIONS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAction } from '../helpers/action.js';
import { assertError } from '../helpers/example.js';

for (const [platform, name] of [
  ['darwin', 'macOS'],
  ['win32', 'Windows'],
] as const) {
  test(`a ${name} runner is refused at once, with the fix in the reason`, async () => {
    const pretend = `data:text/javascript,Object.defineProperty(process,'platform',{value:'${platform}'})`;
    const r = await runAction(
      { target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none', expect: 'Hello' },
      { env: { NODE_OPTIONS: `--import=${pretend}` } },
    );
    const message = new RegExp(`This action runs on Linux only .*this runner is ${name} \\(x64\\)\\. Run the job on a Linux runner: runs-on: ubuntu-latest`);
    // With process.platform faked as win32, @actions/core writes the output file the Windows way,
    // which the test's reader (made for Linux) does not parse: there the failed step and its message are checked.
    if (platform === 'win32') {
      assert.equal(r.code, 1);
      assert.match(r.stdout, new RegExp(`^::error::${message.source}`, 'm'));
    } else assertError(r, new RegExp(`^${message.source}`));
    assert.doesNotMatch(r.stdout, /::group::(Plan|Install)/, 'refused before the plan and any install');
    assert.ok(r.seconds < 5, `refused in ${r.seconds}s`);
  });
}
