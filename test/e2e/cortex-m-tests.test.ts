// command: test on Cortex-M through the bundle: the thumbv7m-tests crate's whole suite built with a
// real `cargo test --no-run` (Debian's toolchain, build-std), every test executable booted on
// lm3s6965evb with semihosting, judged per case (blog_os lines, and defmt-test's in defmt_style),
// written as JUnit, the failing case annotated on its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { parseStringPromise } from 'xml2js';
import { runAction } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';

interface JUnitCase {
  $: { name: string };
  failure?: { $: { message: string } }[];
  skipped?: unknown[];
}
interface JUnitSuite {
  $: { name: string };
  properties?: { property: { $: { name: string; value: string } }[] }[];
  testcase: JUnitCase[];
}

test(
  'command: test on thumbv7m-none-eabi fails naming the failing test; JUnit holds every case; the annotation is on the failing line',
  { timeout: 900_000 },
  async () => {
    const env = { CARGO_TARGET_DIR: tempDir('e2e-cortex-m-tests-target-') };
    const r = await runAction(
      { target: 'thumbv7m-none-eabi', 'working-directory': 'test/kernels/thumbv7m-tests', toolchain: 'distro', command: 'test' },
      { env, qemuMarker: env.CARGO_TARGET_DIR },
    );
    assert.equal(r.outputs.result, 'fail', `${r.outputs.reason}\n${r.stdout.slice(-3000)}`);
    assert.match(r.outputs.reason, /^1 of 5 test executables failed: failing: 1 test case failed \(failing::arithmetic_is_wrong\)/);
    assert.deepEqual([r.outputs['tests-passed'], r.outputs['tests-failed'], r.outputs['tests-ignored']], ['8', '1', '1']);
    assert.match(r.stdout, /\[command\].*\/cargo .*test --no-run --target thumbv7m-none-eabi .*-Zbuild-std=core,alloc,compiler_builtins/);
    assert.match(
      r.stdout,
      /::error title=Test failed%3A failing%3A%3Aarithmetic_is_wrong,file=test\/kernels\/thumbv7m-tests\/tests\/failing.rs,line=28,col=5::/,
    );

    const doc = await parseStringPromise(fs.readFileSync(r.outputs.junit, 'utf8'));
    const suites: JUnitSuite[] = doc.testsuites.testsuite;
    // Each suite is named `<run name> / <executable>` (the default run name: target and toolchain), so
    // the JUnit files of a matrix's legs merge without clashes.
    assert.equal(doc.testsuites.$.name, 'thumbv7m-none-eabi (distro)');
    const prefix = 'thumbv7m-none-eabi (distro) / ';
    assert.ok(
      suites.every((s) => s.$.name.startsWith(prefix)),
      suites.map((s) => s.$.name).join(', '),
    );
    const cases = suites.flatMap((s) =>
      s.testcase.map((c) => [s.$.name.slice(prefix.length), c.$.name, c.failure ? 'failed' : c.skipped ? 'ignored' : 'passed']),
    );
    assert.deepEqual(cases, [
      ['cortex_m_suite', 'cortex_m_suite::tests::adds', 'passed'],
      ['cortex_m_suite', 'cortex_m_suite::tests::exit_reasons', 'passed'],
      ['basic', 'basic::prints', 'passed'],
      ['basic', 'basic::runs_in_thread_mode', 'passed'],
      // defmt-test's `(i/n) running `name`...` lines: each case named by the text between the backticks.
      ['defmt_style', 'reads_id', 'passed'],
      ['defmt_style', 'not_ready', 'ignored'],
      ['defmt_style', 'sums', 'passed'],
      ['failing', 'failing::adds_correctly', 'passed'],
      ['failing', 'failing::arithmetic_is_wrong', 'failed'],
      ['should_panic', 'should_panic::should_fail', 'passed'],
    ]);
    const failed = suites.find((s) => s.$.name === `${prefix}failing`)!.testcase.find((c) => c.failure)!;
    assert.match(failed.failure![0].$.message, /2 \+ 2 should be 5/);
    // Every executable booted on the board the family names, with the semihosting console.
    for (const s of suites) {
      const command = s.properties?.[0].property.find((p) => p.$.name === 'qemu-command')?.$.value ?? '';
      assert.match(command, /qemu-system-arm .*-machine lm3s6965evb .*-semihosting-config enable=on,target=native,chardev=console .*-kernel \S+/, s.$.name);
    }
    assert.match(r.summary, /failing[\s\S]*1 test case failed/);
    // passed, failed, ignored
    assert.match(r.summary, /<td>✅ defmt_style<\/td><td>2<\/td><td>0<\/td><td>1<\/td>/);
    assert.deepEqual(r.leftoverQemu, []);
  },
);
