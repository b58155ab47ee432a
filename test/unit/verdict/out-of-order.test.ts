// Issue 27, point 2 (and issue 22, point 5) for every target: the verdict is shared code, so each
// supported target's own policy (its exit statuses, default fail-on and expect lines) gets the same
// out-of-order guest, and the reason must name both lines and where each appeared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { supportedTargets } from '../../../src/targets/registry.js';
import { SerialWatcher } from '../../../src/verdict/watcher.js';
import { decide, type BootEnd } from '../../../src/verdict/verdict.js';
import { fakePlan } from '../../helpers/inputs.js';

/** What some targets need besides a prebuilt image to be planned at all. */
const EXTRA: Record<string, Record<string, string>> = {
  'x86_64-sel4': { 'sel4-prefix': 'test/fixtures/sel4/prefix-x86_64' },
  'aarch64-sel4-microkit': { 'working-directory': 'examples/sel4-microkit-hello', 'microkit-system': 'hello.system', kernel: '' },
  // A custom target spec: the blog_os-layout one of the test kernels.
  'x86_64-<name>.json (a custom x86_64 target spec)': { target: 'x86_64-blog_os.json', 'working-directory': 'test/kernels/x86_64-multiboot' },
};

/** Seven lines of boot noise, then the lines; the target's own success line (Hermit's) at the end. */
function output(lines: string[], plan: ReturnType<typeof fakePlan>): string {
  const own = plan.verdict.rules.expect.slice(2).map(() => '[0][INFO] exit status 0');
  return [...Array.from({ length: 7 }, (_, i) => `boot ${i + 1}`), ...lines, ...own].join('\n') + '\n';
}

function judge(target: string, expect: string, lines: string[], ordered = true) {
  const plan = fakePlan({ target, expect, kernel: 'README.md', ordered: String(ordered), ...EXTRA[target] });
  const w = new SerialWatcher(plan.verdict.rules);
  w.push(Buffer.from(output(lines, plan)));
  w.end();
  // The guest exits with the target's own success status; where none counts (seL4), the run times out.
  const status = plan.verdict.exitCodes[0];
  const end: BootEnd = status === undefined ? { kind: 'timeout', seconds: 5 } : { kind: 'exited', status, signal: null };
  return decide({ watcher: w, end, acceptedExitCodes: plan.verdict.exitCodes, explainExit: plan.verdict.explainExit, qemuStderr: '' });
}

for (const target of supportedTargets()) {
  test(`${target}: lines out of order are named with where each appeared`, () => {
    const v = judge(target, 'Arguments:\nHello world!', ['Hello world!', 'Arguments:']);
    assert.equal(v.pass, false, v.reason);
    assert.match(
      v.reason,
      /(before printing|waiting for) "Hello world!" after "Arguments:" \(1 of \d expected lines had appeared\): it appeared at serial line 8, before "Arguments:" at line 9, and not after it \(ordered: true wants the lines in the order given\)/,
    );
    // In order, the same lines pass (where an exit status can pass at all).
    const inOrder = judge(target, 'Arguments:\nHello world!', ['Arguments:', 'Hello world!']);
    if (judge(target, 'Arguments:', ['Arguments:']).pass) assert.equal(inOrder.pass, true, inOrder.reason);
  });

  test(`${target}: one line meets one expected line, ordered or not, and the reason says so`, () => {
    const ordered = judge(target, 'Hello\nHello', ['Hello']);
    assert.equal(ordered.pass, false);
    assert.match(
      ordered.reason,
      /(before printing|waiting for) "Hello" after "Hello" \(1 of \d expected lines had appeared\): it appeared only on serial line 8, which met the expected line before it \("Hello"\), and a line meets at most one expected line/,
    );
    const unordered = judge(target, 'Hello\nHello', ['Hello'], false);
    assert.equal(unordered.pass, false);
    assert.match(
      unordered.reason,
      /(before printing|waiting for) "Hello" \(\d of \d expected lines had appeared\): it appeared \(first at serial line 8\), but every line it appeared on met another expected line/,
    );
  });
}
