import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConsoleScript } from '../../../src/inputs/console-script.js';
import { ConsoleScript } from '../../../src/boot/console-script.js';

/**
 * A fake guest: prints `prompt` (no newline); on each line it is sent, echoes it and answers with
 * the line reversed, then prompts again.
 */
function fakeGuest(script: ConsoleScript | undefined, prompt = 'echo> ') {
  const sent: string[] = [];
  let buf = '';
  const write = (text: string) => {
    sent.push(text);
    buf += text;
    for (let cr = buf.search(/[\r\n]/); cr >= 0; cr = buf.search(/[\r\n]/)) {
      const line = buf.slice(0, cr);
      buf = buf.slice(cr + 1);
      // Answer later, as a real guest does.
      setTimeout(() => ref.script!.push(Buffer.from(`${line}\r\nreversed: ${[...line].reverse().join('')}\r\n${prompt}`)), 5);
    }
  };
  const ref = { script };
  return { sent, write, ref };
}

function run(yaml: string, opts: { prompt?: string; boot?: string[] } = {}) {
  const g = fakeGuest(undefined, opts.prompt);
  const script = new ConsoleScript(parseConsoleScript(yaml), g.write);
  g.ref.script = script;
  script.start();
  for (const chunk of opts.boot ?? ['booting...\r\n', opts.prompt ?? 'echo> ']) script.push(Buffer.from(chunk));
  return { script, sent: g.sent };
}

test('expect a prompt without a newline, send, expect the computed answer', async () => {
  const { script, sent } = run(`
- expect: "echo>"
- send: Hello
- expect: "reversed: olleH"
- expect: "echo>"
- send: quit
`);
  const o = await script.done;
  assert.equal(o.ok, true, o.message);
  assert.deepEqual(sent, ['Hello\r', 'quit\r']);
  assert.equal(o.steps.length, 5);
  assert.match(o.message, /^The console script's 5 steps passed in \d+\.\d s\.$/);
  assert.equal(script.passed, true);
});

test('an expect only matches what came after the previous match (the old prompt does not count twice)', async () => {
  // One chunk holds both prompts' worth of text: "A> " and later "A> " again after the answer.
  const sent: string[] = [];
  const script = new ConsoleScript(parseConsoleScript('- expect: "A>"\n- expect: "A>"\n  timeout: 0.3'), (t) => sent.push(t));
  script.start();
  script.push('A> ');
  const o = await script.done;
  assert.equal(o.ok, false);
  assert.equal(
    o.message,
    `Console script step 2 (expect "A>") was not met within 0.3 s; the guest printed nothing since the step began; its last line was "A>".`,
  );
});

test('a match in a line split over chunks, with escape codes cleaned; the rest of a matched line still counts', async () => {
  const script = new ConsoleScript(parseConsoleScript('- expect: ready\n- expect: /answer=\\d+/\n- expect: done'), () => {});
  script.start();
  script.push(Buffer.from('\x1b[32mrea'));
  script.push(Buffer.from('dy\x1b[0m answer='));
  script.push(Buffer.from('42 done\n'));
  const o = await script.done;
  assert.equal(o.ok, true, o.message);
});

test('multi-byte characters split across chunks are decoded whole', async () => {
  const script = new ConsoleScript(parseConsoleScript('- expect: "Grüße 🦀"'), () => {});
  script.start();
  const b = Buffer.from('Grüße 🦀\n');
  for (let i = 0; i < b.length; i++) script.push(b.subarray(i, i + 1));
  assert.equal((await script.done).ok, true);
});

test('a wrong expected answer fails at its step timeout, naming the step and the last line', async () => {
  const { script } = run(`
- expect: "echo>"
- send: Hello
- expect: "reversed: Hello"
  timeout: 0.5
`);
  const o = await script.done;
  assert.equal(o.ok, false);
  assert.equal(o.steps.length, 2);
  assert.equal(
    o.message,
    `Console script step 3 (expect "reversed: Hello") was not met within 0.5 s; since the step began the guest printed "echo> Hello", "reversed: olleH", "echo>".`,
  );
});

test('a guest that never prompts fails at the first step timeout; one that prints nothing says so', async () => {
  const { script } = run('- expect: "echo>"\n  timeout: 0.3', { boot: ['booting...\n'] });
  const o = await script.done;
  assert.equal(o.message, `Console script step 1 (expect "echo>") was not met within 0.3 s; since the step began the guest printed "booting...".`);
  const silent = new ConsoleScript(parseConsoleScript('- expect: "echo>"\n  timeout: 0.2'), () => {});
  silent.start();
  assert.equal((await silent.done).message, 'Console script step 1 (expect "echo>") was not met within 0.2 s; the guest printed nothing.');
});

test('stop() fails the waiting step with the reason; a failed write fails its step', async () => {
  const s = new ConsoleScript(parseConsoleScript('- expect: never'), () => {});
  s.start();
  s.push('\x1b[2Jhello\n');
  s.stop('QEMU exited with status 0');
  assert.equal(
    (await s.done).message,
    `Console script step 1 (expect "never") was still waiting when QEMU exited with status 0; since the step began the guest printed "hello".`,
  );
  const w = new ConsoleScript(parseConsoleScript('- send: hi'), () => {
    throw new Error('write EPIPE');
  });
  w.start();
  const o = await w.done;
  assert.equal(o.ok, false);
  assert.equal(o.message, 'Console script step 1 (send "hi\\r") could not be sent: write EPIPE.');
});

test('output that came before start() is looked at by the first step', async () => {
  const s = new ConsoleScript(parseConsoleScript('- expect: early'), () => {});
  s.push('early line\n');
  s.start();
  assert.equal((await s.done).ok, true);
});

test('over-long unfinished lines are cut, bounding memory', async () => {
  const s = new ConsoleScript(parseConsoleScript('- expect: end\n  timeout: 5'), () => {}, { maxLineChars: 1000 });
  s.start();
  for (let i = 0; i < 100; i++) s.push('x'.repeat(999));
  s.push('end');
  assert.equal((await s.done).ok, true);
});

test('a step whose regular expression backtracks catastrophically fails at the deadline, and timers still fire (issue 22, point 6)', async () => {
  let fired = false;
  const t = setTimeout(() => (fired = true), 20);
  const started = performance.now();
  const { script } = run("- expect: '/^(\\w+\\s?)+!$/'\n  timeout: 60", { boot: [`${'a'.repeat(40)}?\r\n`] });
  const took = performance.now() - started;
  const outcome = await script.done;
  assert.ok(took < 10_000, `matching blocked for ${took} ms`);
  assert.equal(outcome.ok, false);
  assert.match(
    outcome.message,
    /^Console script step 1 \(expect .*\): matching its pattern against "a{40}\?" took longer than 2 s, so the script stopped: the regular expression backtracks catastrophically/,
  );
  await new Promise((r) => setTimeout(r, 30));
  clearTimeout(t);
  assert.ok(fired, 'a timer set before it fired');
});
