// Real Unikraft 0.17.0 images (../shared/images/unikraft/, built from upstream sources with
// Unikraft's own make build; its README gives provenance and hashes) booted through the bundled
// action (dist/index.js) under default inputs, with the expect line Unikraft requires: the verdict
// and the reason of each, as a user of 0.17 would get them. Not stand-ins. The last test boots
// Hermit's real x86_64 loader and app from paths with spaces: the Multiboot path handling
// (src/boot/multiboot.ts) is shared by both families.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction, type ActionRun } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';
import { image as sharedImage, imagesSkip } from '../helpers/images.js';
import { needsRdseed } from '../../src/targets/unikraft/verdict.js';

const TARGET = 'x86_64-unikraft-linux-musl';
/** The four Unikraft images (their sha256 is in the images' README: test/helpers/images.ts checks it). */
const NAMES = ['uk-hello_qemu-x86_64', 'uk-exit3info_qemu-x86_64', 'uk-crash_qemu-x86_64', 'uk-hwrng_qemu-x86_64'];

// Without the images the suite proves nothing: in CI that is a failure (imagesSkip throws), elsewhere a visible skip.
const skip = imagesSkip() ?? false;
const present = !skip;

/**
 * The image unpacked and checked by the shared helper (the shared copies stay read-only), then, when
 * `file` is given, copied there (a path with spaces).
 */
function image(name: string, file?: string, family = 'unikraft'): string {
  const copy = sharedImage(`${family}/${name}`);
  if (!file) return copy;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(copy, file);
  return file;
}

async function boot(kernel: string, inputs: Record<string, string>): Promise<ActionRun> {
  // QEMU's command line names the image's folder, or (a path with spaces) the run's scratch folder under RUNNER_TEMP.
  const r = await runAction({ target: TARGET, kernel, timeout: '60', ...inputs }, /\s/.test(kernel) ? {} : { qemuMarker: path.dirname(kernel) });
  assert.deepEqual(r.leftoverQemu, [], 'QEMU does not outlive the action');
  return r;
}

const tail = (r: ActionRun) => r.stdout.slice(-4000);

test('the upstream images are there (CI fails without them)', { skip }, () => {
  for (const name of NAMES) assert.ok(fs.existsSync(image(name)), `${name} is missing from the images folder`);
});

test('only the image with LIBUKRANDOM is read as needing RDSEED', { skip }, () => {
  for (const name of NAMES) assert.equal(needsRdseed(image(name)), name === 'uk-hwrng_qemu-x86_64', name);
});

test('helloworld (without LIBUKRANDOM) passes on its line; the banner gives the version', { skip }, async () => {
  const r = await boot(image('uk-hello_qemu-x86_64'), { expect: 'Hello world!' });
  assert.equal(r.outputs.result, 'pass', tail(r));
  assert.match(r.outputs.reason, /1 expected line appeared|printed all 1 expected line/);
  assert.equal(r.outputs['unikraft-version'], 'Calypso 0.17.0~484ff209');
});

test('helloworld whose expected line never comes: fails on the halt, and says status 83 does not tell what main returned', { skip }, async () => {
  const r = await boot(image('uk-hello_qemu-x86_64'), { expect: 'Goodbye' });
  assert.equal(r.outputs.result, 'fail', tail(r));
  assert.equal(r.outputs['exit-code'], '83');
  assert.match(r.outputs.reason, /The guest exited \(status 83\) before printing "Goodbye"/);
  assert.match(r.outputs.reason, /Unikraft halts the same way whatever main returned \(0\.17 tries an ACPI power-off that QEMU ignores/);
});

test('a kernel path with spaces reaches main as one argument (booted from a plain-named link)', { skip }, async () => {
  const kernel = image('uk-hello_qemu-x86_64', path.join(tempDir('images-unikraft-'), 'with space', 'uk hello'));
  // Unikraft prints its arguments quoted: one word, not "with" "space/uk" "hello".
  const r = await boot(kernel, { expect: '/^Arguments:  "[^"]*"\\s*$/' });
  assert.equal(r.outputs.result, 'pass', tail(r));
  const args = /Arguments: {2}"([^"]*)"/.exec(r.stdout);
  assert.ok(args, tail(r));
  assert.doesNotMatch(args[1], /\s/);
  assert.equal(fs.realpathSync(args[1]), fs.realpathSync(kernel), 'argv[0] is a link to the kernel');
});

test('main returns 3 (info logging): the "main returned 3" line fails the run, though QEMU says 83', { skip }, async () => {
  const r = await boot(image('uk-exit3info_qemu-x86_64'), { expect: 'Hello world!' });
  assert.equal(r.outputs.result, 'fail', tail(r));
  assert.match(r.outputs.reason, /Failure line at serial line \d+: ".*main returned 3" .*\(matched fail-on "\/main returned -\?\[1-9\]\/"\)/);
});

test('a NULL-pointer crash fails on its CRIT: lines (0.17 prints no "Unikraft crash - " line)', { skip }, async () => {
  const r = await boot(image('uk-crash_qemu-x86_64'), { expect: 'Hello world!' });
  assert.equal(r.outputs.result, 'fail', tail(r));
  assert.match(r.outputs.reason, /Failure line at serial line \d+: ".*CRIT: \[libkvmplat\]/);
});

/** QEMU's version, from --version. */
function qemuVersion(): [number, number] {
  const m = /version (\d+)\.(\d+)/.exec(execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }));
  assert.ok(m, 'qemu-system-x86_64 --version names a version');
  return [Number(m[1]), Number(m[2])];
}

/** Can this machine give the guest RDSEED: TCG from QEMU 8.1 on, or KVM (starting with -cpu host) on a host CPU that has it? */
function rdseedAvailable(): { tcg: boolean; kvm: boolean } {
  const [major, minor] = qemuVersion();
  const tcg = major > 8 || (major === 8 && minor >= 1);
  let kvm = false;
  if (/^flags\s*:.*\brdseed\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'))) {
    try {
      execFileSync('qemu-system-x86_64', ['-accel', 'kvm', '-cpu', 'host', '-display', 'none', '-monitor', 'stdio', '-serial', 'none', '-nodefaults', '-S'], {
        input: 'quit\n',
        stdio: ['pipe', 'ignore', 'ignore'],
        timeout: 10_000,
      });
      kvm = true;
    } catch {
      kvm = false;
    }
  }
  return { tcg, kvm };
}

test(
  'the unchanged upstream helloworld (LIBUKRANDOM) under accel: auto: boots where RDSEED can be had, else fails naming RDSEED and the fixes',
  { skip },
  async () => {
    const have = present ? rdseedAvailable() : { tcg: false, kvm: false };
    const r = await boot(image('uk-hwrng_qemu-x86_64'), { expect: 'Hello world!' });
    if (have.tcg || have.kvm) {
      assert.equal(r.outputs.result, 'pass', `RDSEED is available here (${JSON.stringify(have)}):\n${tail(r)}`);
      if (!have.tcg) assert.match(r.stdout, /Accelerator: KVM \(accel: auto\): the image needs RDSEED \(Unikraft's LIBUKRANDOM\)/);
      return;
    }
    assert.equal(r.outputs.result, 'fail', tail(r));
    assert.match(
      r.stdout,
      /Accelerator: TCG\. The image needs RDSEED \(Unikraft's LIBUKRANDOM\), but this QEMU's TCG does not offer RDSEED \(QEMU offers it from 8\.1 on\)/,
    );
    assertRdseedReason(r.outputs.reason);
  },
);

function assertRdseedReason(reason: string): void {
  assert.match(reason, /QEMU exited with status 85: Unikraft crashed/);
  assert.match(
    reason,
    /The guest stopped at ".*Could not initialize the HWRNG \(-95\)": Unikraft's LIBUKRANDOM \(0\.17 and older\) needs a CPU with RDRAND and RDSEED/,
  );
  assert.match(reason, /QEMU's TCG offers RDSEED only from QEMU 8\.1 on/);
  assert.match(reason, /Fixes: boot with QEMU 8\.1 or newer .* where KVM works on a host CPU with RDSEED .* without LIBUKRANDOM/);
}

test('the upstream helloworld under accel: tcg: boots on QEMU 8.1 or newer, else fails naming RDSEED, LIBUKRANDOM and the fixes', { skip }, async () => {
  const [major, minor] = present ? qemuVersion() : [0, 0];
  const r = await boot(image('uk-hwrng_qemu-x86_64'), { expect: 'Hello world!', accel: 'tcg' });
  if (major > 8 || (major === 8 && minor >= 1)) {
    assert.equal(r.outputs.result, 'pass', `QEMU ${major}.${minor}'s TCG offers RDSEED:\n${tail(r)}`);
    return;
  }
  assert.equal(r.outputs.result, 'fail', tail(r));
  assert.equal(r.outputs['exit-code'], '85');
  assertRdseedReason(r.outputs.reason);
});

test("Hermit's x86_64 loader and app from paths with spaces boot too (QEMU's Multiboot -initrd would cut the path at the space)", { skip }, async () => {
  const dir = path.join(tempDir('images-multiboot-'), 'my apps');
  const app = image('hermit-hello', path.join(dir, 'hermit hello'), 'hermit-x86_64');
  const loader = image('hermit-loader-x86_64', path.join(dir, 'hermit loader'), 'hermit-x86_64');
  const r = await boot(app, { target: 'x86_64-unknown-hermit', 'hermit-loader': loader, expect: 'Hello, world!', accel: 'tcg' });
  assert.equal(r.outputs.result, 'pass', tail(r));
  assert.equal(r.outputs['exit-code'], '3');
});
