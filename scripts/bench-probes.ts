// Probe overhead, for `npm run bench`: the time from the guest's "listening" line to the probe's
// verdict, median over several boots of the stand-in server (test/standins/linux-httpd, real QEMU,
// TCG). Goal (issue 16): at most 0.1 s once the server answers.
//
// Call from scripts/bench.ts:
//   import { benchProbeOverhead } from './bench-probes.js';
//   const r = await benchProbeOverhead({ boots: 10 });
import * as fs from 'node:fs';
import { parseForwards } from '../src/inputs/forward.js';
import { parseProbes } from '../src/inputs/probes.js';
import { ProbeRunner } from '../src/boot/probes.js';
import { freePorts, startGuest } from '../test/helpers/guest.js';
import { buildStandin, LISTENING, standinArgs } from '../test/standins/linux-httpd/standin.js';

export interface ProbeOverhead {
  boots: number;
  /** Milliseconds from the "listening" line to the probe's verdict, one per boot. */
  samplesMs: number[];
  medianMs: number;
  /** Milliseconds from QEMU's start to the "listening" line (the boot itself), median. */
  bootMedianMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Boots the stand-in `boots` times; each boot, one HTTP probe starts on the "listening" line. */
export async function benchProbeOverhead({ boots = 10 } = {}): Promise<ProbeOverhead> {
  const { kernel, initrd, dir } = buildStandin();
  const samplesMs: number[] = [];
  const bootMs: number[] = [];
  try {
    for (let i = 0; i < boots; i++) {
      const [port] = await freePorts(1);
      const forward = `${port}:80`;
      const probes = parseProbes(
        `- http: http://127.0.0.1:${port}/\n  body: Hello from the stand-in server\n  after: "${LISTENING}"\n  timeout: 30`,
        parseForwards(forward),
      );
      const guest = startGuest('qemu-system-x86_64', standinArgs(kernel, initrd, forward));
      const runner = new ProbeRunner(probes);
      try {
        guest.onData((c) => runner.push(c));
        runner.start();
        bootMs.push(await guest.waitFor(LISTENING, 180_000));
        const [o] = await runner.done;
        if (!o.ok) throw new Error(`boot ${i + 1}: ${o.message}`);
        // The probe started on the line: its duration is the overhead.
        samplesMs.push(o.ms);
      } finally {
        runner.stop('the benchmark boot ended');
        await guest.stop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { boots, samplesMs, medianMs: median(samplesMs), bootMedianMs: median(bootMs) };
}

// Run alone: node --import tsx scripts/bench-probes.ts [boots]
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchProbeOverhead({ boots: Number(process.argv[2] ?? 10) });
  console.log(
    `probe overhead: median ${r.medianMs.toFixed(1)} ms over ${r.boots} boots (samples ${r.samplesMs.map((x) => x.toFixed(1)).join(', ')} ms); boot to "listening": median ${(r.bootMedianMs / 1000).toFixed(1)} s`,
  );
}
