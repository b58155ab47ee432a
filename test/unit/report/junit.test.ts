import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseStringPromise } from 'xml2js';
import { xml2js as xmlJs } from 'xml-js';
import { ROOT } from '../../helpers/action.js';
import { junitXml, suiteFromReport, xmlAttr, xmlText } from '../../../src/report/junit.js';
import { parseTestOutput } from '../../../src/verdict/test-cases.js';

const fixture = (name: string) => fs.readFileSync(path.join(ROOT, 'test/fixtures/test-output', name), 'utf8');

/** The suites of test/kernels/x86_64-tests as the action would judge them. */
function kernelSuites() {
  const pass = { pass: true, reason: 'The guest exited with status 33.' };
  const fileOf = (loc: { file: string }) => path.posix.join('test/kernels/x86_64-tests', loc.file);
  const suite = (exe: string, outcome: { pass: boolean; reason: string }, seconds: number) =>
    suiteFromReport(parseTestOutput(fixture(`blog_os-${exe}.txt`), outcome, exe), {
      name: exe,
      seconds,
      fileOf,
      timestamp: new Date('2026-01-02T03:04:05.678Z'),
      properties: { executable: `/t/deps/${exe}-0123` },
    });
  return [
    suite('tested_kernel', pass, 0.25),
    suite('basic_boot', pass, 0.5),
    suite('failing', { pass: false, reason: 'Failure line at serial line 5: "Error: panicked at tests/failing.rs:28:5:"' }, 0.75),
    suite('should_panic', pass, 0.125),
  ];
}

test("dorny/test-reporter's reading (xml2js): suites, cases, statuses, times, the failure's message and text", async () => {
  const xml = junitXml(kernelSuites());
  const doc = await parseStringPromise(xml);
  const root = doc.testsuites;
  assert.deepEqual(root.$, { name: 'cargo test', tests: '7', failures: '1', errors: '0', skipped: '0', time: '1.625' });
  const suites = root.testsuite;
  assert.deepEqual(
    suites.map((s: { $: { name: string; tests: string; failures: string } }) => [s.$.name, s.$.tests, s.$.failures]),
    [
      ['tested_kernel', '2', '0'],
      ['basic_boot', '2', '0'],
      ['failing', '2', '1'],
      ['should_panic', '1', '0'],
    ],
  );
  assert.equal(suites[0].$.timestamp, '2026-01-02T03:04:05');
  assert.deepEqual(suites[0].properties[0].property[0].$, { name: 'executable', value: '/t/deps/tested_kernel-0123' });
  const [ok, bad] = suites[2].testcase;
  assert.deepEqual(ok.$, { name: 'failing::adds_correctly', classname: 'failing', time: '0.000' });
  assert.equal(ok.failure, undefined);
  assert.equal(bad.$.classname, 'failing', 'classname = suite name: dorny does not make a group of it');
  assert.equal(bad.failure[0].$.message, 'assertion `left == right` failed: 2 + 2 should be 5');
  assert.equal(bad.failure[0].$.type, 'panic');
  assert.equal(bad.failure[0]._, 'panicked at tests/failing.rs:28:5\n\nassertion `left == right` failed: 2 + 2 should be 5\n  left: 4\n right: 5');
  assert.deepEqual(suites[1].testcase[1]['system-out'], ['printing from a test']);
});

test("mikepenz/action-junit-report's reading (xml-js): the failing case's file and line place its annotation", () => {
  const doc = xmlJs(junitXml(kernelSuites()), { compact: true }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const failing = doc.testsuites.testsuite[2];
  const bad = failing.testcase[1];
  assert.deepEqual(bad._attributes, {
    name: 'failing::arithmetic_is_wrong',
    classname: 'failing',
    time: '0.000',
    file: 'test/kernels/x86_64-tests/tests/failing.rs',
    line: '28',
  });
  assert.match(bad.failure._text, /^panicked at tests\/failing.rs:28:5/);
  assert.equal(failing.testcase[0].failure, undefined);
  assert.equal(failing.testcase[0]._attributes.file, undefined, 'passing cases have no location');
});

test('libtest: ignored cases are <skipped> with their reason; a case without a location has no file', async () => {
  const r = parseTestOutput(fixture('libtest-threads.txt'), { pass: false, reason: 'exited with status 101' }, 'libtest_sample');
  const xml = junitXml([suiteFromReport(r, { name: 'libtest_sample', seconds: 1, fileOf: () => undefined })]);
  const doc = await parseStringPromise(xml);
  assert.deepEqual(doc.testsuites.$, { name: 'cargo test', tests: '6', failures: '1', errors: '0', skipped: '2', time: '1.000' });
  const cases = doc.testsuites.testsuite[0].testcase;
  assert.deepEqual(cases[1].skipped[0].$, { message: 'needs hardware' });
  assert.equal(cases[0].skipped[0], '', 'ignored without a reason: an empty <skipped/>');
  assert.equal(cases[5].$.file, undefined, 'the location is outside the repository (fileOf said so)');
});

test('escaping: markup, quotes, line breaks in attributes, control bytes and lone surrogates from a guest', async () => {
  assert.equal(xmlText('a < b && c > "d"'), 'a &lt; b &amp;&amp; c &gt; "d"');
  assert.equal(xmlAttr('say "hi"\n\'there\'\t!'), 'say &quot;hi&quot;&#10;&apos;there&apos;&#9;!');
  assert.equal(xmlText('nul\x00 bell\x07 esc\x1b ok\ttab\nnl'), 'nul\ufffd bell\ufffd esc\ufffd ok\ttab\nnl');
  assert.equal(xmlText('lone \ud800 pair \ud83d\ude00 low \udc00'), 'lone \ufffd pair \ud83d\ude00 low \ufffd');
  const evil = 'x"/><testcase name="forged"/><!-- ]]> \x00\ud800';
  const xml = junitXml([
    { name: evil, seconds: NaN, cases: [{ name: evil, status: 'failed', message: `${evil}\nsecond line`, details: evil, output: [evil] }], systemOut: evil },
  ]);
  const doc = await parseStringPromise(xml);
  const s = doc.testsuites.testsuite[0];
  assert.equal(s.testcase.length, 1, 'no case forged');
  assert.equal(s.testcase[0].$.name, 'x"/><testcase name="forged"/><!-- ]]> \ufffd\ufffd');
  assert.equal(s.testcase[0].failure[0].$.message, 'x"/><testcase name="forged"/><!-- ]]> \ufffd\ufffd', 'the message attribute is the first line');
  assert.equal(s.$.time, '0.000');
});
