import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { accelForNeeds, hostCpuFlags, probeTcgFlags, tcgWarnsMissing } from '../../../src/boot/cpu-features.js';
import { tempDir } from '../../helpers/tmp.js';

const RDSEED = [{ flag: 'rdseed', by: "Unikraft's LIBUKRANDOM" }];
// QEMU 7.2's words, as it prints them for `-accel tcg -cpu qemu64,+rdseed`.
const WARNING = "qemu-system-x86_64: warning: TCG doesn't support requested feature: CPUID.07H:EBX.rdseed [bit 18]\n";

test("QEMU's warning names the flag TCG lacks", () => {
  assert.ok(tcgWarnsMissing(WARNING, 'rdseed'));
  assert.ok(!tcgWarnsMissing(WARNING, 'rdrand'));
  assert.ok(!tcgWarnsMissing('', 'rdseed'));
});

test('the real QEMU here: warns about RDSEED under TCG before 8.1, and not from 8.1 on', async () => {
  const m = /version (\d+)\.(\d+)/.exec(execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }))!;
  const since81 = Number(m[1]) > 8 || (Number(m[1]) === 8 && Number(m[2]) >= 1);
  const stderr = await probeTcgFlags('qemu-system-x86_64', ['rdseed', 'rdrand']);
  assert.equal(tcgWarnsMissing(stderr, 'rdseed'), !since81, `QEMU ${m[1]}.${m[2]}: ${stderr}`);
  assert.equal(tcgWarnsMissing(stderr, 'rdrand'), false, 'TCG has RDRAND');
  assert.match(await probeTcgFlags('/nonexistent/qemu', ['rdseed']), /could not be started/);
});

test('host CPU flags from /proc/cpuinfo', () => {
  const f = path.join(tempDir('cpuinfo-'), 'cpuinfo');
  fs.writeFileSync(f, 'processor\t: 0\nflags\t\t: fpu sse2 rdrand rdseed\n\nprocessor\t: 1\nflags\t\t: fpu\n');
  assert.deepEqual([...hostCpuFlags(f)], ['fpu', 'sse2', 'rdrand', 'rdseed']);
  assert.equal(hostCpuFlags('/nonexistent').size, 0);
});

test('accel: auto for an image needing RDSEED: as usual when TCG has it, else KVM where the host has it and KVM starts, else TCG with the cause', async () => {
  let asked = 0;
  const kvm = (ok: boolean) => async () => (asked++, ok ? { ok: true } : { ok: false, why: 'failed to set MSR 0x10a' });
  const host = new Set(['rdseed']);
  assert.equal(await accelForNeeds({ needs: RDSEED, tcgStderr: '', hostFlags: host, kvm: kvm(true) }), undefined, 'TCG offers it: choose as usual');
  assert.equal(asked, 0);
  const k = await accelForNeeds({ needs: RDSEED, tcgStderr: WARNING, hostFlags: host, kvm: kvm(true) });
  assert.equal(k?.accel, 'kvm');
  assert.match(
    k!.line,
    /^Accelerator: KVM \(accel: auto\): the image needs RDSEED \(Unikraft's LIBUKRANDOM\), this QEMU's TCG does not offer RDSEED \(QEMU offers it from 8\.1 on\)/,
  );
  const noKvm = await accelForNeeds({ needs: RDSEED, tcgStderr: WARNING, hostFlags: host, kvm: kvm(false) });
  assert.equal(noKvm?.accel, 'tcg');
  assert.match(noKvm!.line, /KVM, which would pass on the host's, does not work here \(failed to set MSR 0x10a\): the guest is expected to fail/);
  asked = 0;
  const noHost = await accelForNeeds({ needs: RDSEED, tcgStderr: WARNING, hostFlags: new Set(['rdrand']), kvm: kvm(true) });
  assert.equal(noHost?.accel, 'tcg');
  assert.match(noHost!.line, /the host CPU has no RDSEED for KVM to pass on/);
  assert.equal(asked, 0, 'KVM is not probed when it could not help');
});
