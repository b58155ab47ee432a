// seL4 target resolution and route choice (pure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCH, chooseRoute, isSel4Triple, microkitBoardsFor, parseSel4Target, routeNeeds } from '../../../../src/targets/sel4/targets.js';
import { InputError } from '../../../../src/model/errors.js';

test('rust-sel4 triples resolve to an arch, a kind and a variant', () => {
  const cases: [string, string, string | undefined, string | undefined, boolean][] = [
    ['aarch64-sel4', 'aarch64', undefined, undefined, false],
    ['aarch64-sel4-roottask', 'aarch64', 'roottask', undefined, false],
    ['aarch64-sel4-roottask-minimal', 'aarch64', 'roottask', 'minimal', false],
    ['riscv64imac-sel4-unwind', 'riscv64', undefined, 'unwind', false],
    ['riscv64gc-sel4', 'riscv64', undefined, undefined, true],
    ['x86_64-sel4-minimal', 'x86_64', undefined, 'minimal', false],
    ['aarch64-sel4-microkit', 'aarch64', 'microkit', undefined, false],
    ['riscv64gc-sel4-microkit-resettable-minimal', 'riscv64', 'microkit', 'minimal', true],
  ];
  for (const [triple, arch, kind, variant, fpu] of cases) {
    const t = parseSel4Target(triple)!;
    assert.equal(t.arch, arch, triple);
    assert.equal(t.kind, kind, triple);
    assert.equal(t.variant, variant, triple);
    assert.equal(t.needsFpu, fpu, triple);
  }
  assert.equal(parseSel4Target('riscv64gc-sel4-microkit-resettable')!.resettable, true);
});

test("triples that are not seL4's are left to other families; seL4 ones this action cannot boot are refused with the reason", () => {
  assert.equal(parseSel4Target('aarch64-unknown-none'), undefined);
  assert.equal(parseSel4Target('x86_64-unknown-hermit'), undefined);
  assert.equal(isSel4Triple('x86_64-sel4'), true);
  assert.throws(
    () => parseSel4Target('armv7a-sel4'),
    (e: Error) => e instanceof InputError && /boots seL4 only on aarch64, riscv64 and x86_64/.test(e.message),
  );
  assert.throws(() => parseSel4Target('riscv32imac-sel4-roottask'), /QEMU lines for riscv32imac are not provided/);
  assert.throws(() => parseSel4Target('x86_64-sel4-musl'), /musl libc built for seL4.*Use the target without -musl \(x86_64-sel4\)/);
  assert.throws(() => parseSel4Target('aarch64-sel4-roottask-resettable'), /-resettable targets only for Microkit/);
  assert.throws(() => parseSel4Target('aarch64-sel4-fancy'), /not one of rust-sel4's target names/);
  assert.throws(() => parseSel4Target('mips-sel4'), /no target for \('mips'\)/);
});

test('route: Microkit when microkit-system is given or the target is *-sel4-microkit; a root task otherwise', () => {
  const t = (s: string) => parseSel4Target(s)!;
  assert.equal(chooseRoute(t('aarch64-sel4'), {}), 'root-task');
  assert.equal(chooseRoute(t('aarch64-sel4-roottask'), { 'sel4-version': '16.0.0' }), 'root-task');
  // rust-sel4 v5.0.0 builds protection domains for plain aarch64-sel4.
  assert.equal(chooseRoute(t('aarch64-sel4'), { 'microkit-system': 'hello.system' }), 'microkit');
  assert.equal(chooseRoute(t('aarch64-sel4-microkit'), { 'microkit-system': 'hello.system', 'microkit-board': 'qemu_virt_aarch64' }), 'microkit');
  assert.throws(
    () => chooseRoute(t('aarch64-sel4-microkit'), {}),
    (e: Error) => e instanceof InputError && e.input === 'microkit-system',
  );
  assert.throws(() => chooseRoute(t('aarch64-sel4-roottask'), { 'microkit-system': 'x.system' }), /is a root-task target/);
});

test('route: an input of the other route is refused, never silently ignored', () => {
  const t = parseSel4Target('aarch64-sel4')!;
  assert.throws(
    () => chooseRoute(t, { 'microkit-system': 'x.system', 'sel4-prefix': '/opt/seL4' }),
    (e: Error) => e instanceof InputError && e.input === 'sel4-prefix' && /Microkit route/.test(e.message),
  );
  assert.throws(
    () => chooseRoute(t, { 'microkit-board': 'qemu_virt_aarch64' }),
    (e: Error) => e instanceof InputError && e.input === 'microkit-board' && /set microkit-system/.test(e.message),
  );
});

test('what each arch needs: loader target and cross gcc on aarch64/riscv64, none on x86_64', () => {
  assert.equal(ARCH.aarch64.loaderTarget, 'aarch64-unknown-none');
  assert.equal(ARCH.riscv64.loaderTarget, 'riscv64imac-unknown-none-elf');
  assert.equal(ARCH.x86_64.loaderTarget, undefined);
  assert.equal(ARCH.riscv64.qemuApt, 'qemu-system-misc');
  assert.match(routeNeeds(parseSel4Target('x86_64-sel4')!, 'root-task').join('\n'), /objcopy/);
  assert.match(routeNeeds(parseSel4Target('aarch64-sel4')!, 'root-task').join('\n'), /aarch64-linux-gnu-gcc[\s\S]*sel4-kernel-loader for aarch64-unknown-none/);
  assert.match(routeNeeds(parseSel4Target('aarch64-sel4')!, 'microkit').join('\n'), /Microkit SDK \(board qemu_virt_aarch64/);
  assert.deepEqual(microkitBoardsFor('aarch64', '2.2.0'), ['qemu_virt_aarch64']);
  assert.deepEqual(microkitBoardsFor('aarch64', '2.3.0'), ['qemu_virt_aarch64', 'qemu_virt_aarch64_el1']);
});
