// The cache benchmark: a cold and a warm step on the demo kernel (examples/x86_64-unknown-none,
// toolchain: distro, accel: tcg) through the cache-service STAND-IN on 127.0.0.1
// (test/standins/cache-service.ts). Goal: the warm step takes at most 15 % of the cold one.
//
// Each run starts from a fresh checkout of the example (no target/), as a fresh runner would, and
// is `node dist/index.js` with `cache: true` and the stand-in's environment, as a runner gives it
// to a JavaScript action: the step's time includes the restore and the save.
//
//   import { benchCache } from './cache-bench.js';  const r = await benchCache();  rows.push(...r.rows);
//   node --import tsx scripts/cache-bench.ts        (needs dist/: npm run build)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAction } from '../test/helpers/action.js';
import { copyExample } from '../test/helpers/example.js';
import { startCacheServiceStandin } from '../test/standins/cache-service.js';

export interface CacheBench {
  coldSeconds: number;
  warmSeconds: number;
  /** warm / cold: the goal is <= 0.15. */
  ratio: number;
  /** Of the warm step: the restore alone. */
  warmRestoreSeconds: number;
  /** Bytes the stand-in holds after the cold run's save. */
  entryBytes: number;
  rows: string[];
}

const TARGET = 'x86_64-unknown-none';

export async function benchCache(opts: { log?: (s: string) => void } = {}): Promise<CacheBench> {
  const log = opts.log ?? ((s: string) => console.log(`cache-bench: ${s}`));
  const standin = await startCacheServiceStandin();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-bench-'));
  const saved = { ...process.env };
  try {
    const cargoHome = path.join(tmp, 'cargo-home');
    const runnerTemp = path.join(tmp, 'runner-temp');
    fs.mkdirSync(runnerTemp, { recursive: true });
    const inputs: Record<string, string> = {
      target: TARGET,
      'working-directory': 'kernel',
      toolchain: 'distro',
      accel: 'tcg',
      ...JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', TARGET, 'demo.json'), 'utf8')),
    };
    const runOnce = async (label: string) => {
      // A fresh runner: a new checkout, no target folder. The workspace path stays the same, as on GitHub.
      const ws = path.join(tmp, 'ws');
      fs.rmSync(ws, { recursive: true, force: true });
      copyExample(TARGET, path.join(ws, 'kernel'));
      const env = { ...standin.env(), GITHUB_WORKSPACE: ws, RUNNER_TEMP: runnerTemp, CARGO_HOME: cargoHome };
      const started = performance.now();
      const result = await runAction({ ...inputs, cache: 'true' }, { workspace: ws, env });
      const restoreSeconds = Number(/Cache \(build\): (?:restored|nothing)[^\n]* in ([\d.]+) s/.exec(result.stdout)?.[1] ?? NaN);
      const seconds = (performance.now() - started) / 1000;
      if (result.outputs.result !== 'pass') throw new Error(`${label} run did not pass: ${result.outputs.reason}\n${result.stdout.slice(-3000)}`);
      // The cold run must miss and the warm one hit, or the figures compare nothing.
      const wantHit = label === 'warm' ? 'true' : 'false';
      if (result.outputs['cache-hit'] !== wantHit)
        throw new Error(`${label} run: cache-hit is '${result.outputs['cache-hit']}', expected ${wantHit}\n${result.stdout.slice(-3000)}`);
      log(`${label}: ${seconds.toFixed(2)} s (restore ${restoreSeconds.toFixed(2)} s, action ${result.seconds.toFixed(2)} s)`);
      return { seconds, restoreSeconds };
    };
    const cold = await runOnce('cold');
    const entryBytes = standin.entries.filter((e) => e.committed).reduce((n, e) => n + e.size, 0);
    if (!entryBytes) throw new Error('the cold run saved nothing: the warm run would measure nothing');
    const warm = await runOnce('warm');
    const ratio = warm.seconds / cold.seconds;
    const rows = [
      '## Cache: a cold and a warm step',
      '',
      `The demo kernel (\`examples/${TARGET}\`, \`toolchain: distro\`, build-std of \`core\`), each run from a fresh copy with no \`target/\`, through the cache-service stand-in on 127.0.0.1 (\`cache: true\`: the step restores, builds, boots and saves). The entry holds the target folder and cargo's registry: ${(entryBytes / 1024 / 1024).toFixed(1)} MiB compressed.`,
      '',
      '| cold step | warm step | of which restore | warm / cold | goal |',
      '| --- | --- | --- | --- | --- |',
      `| ${cold.seconds.toFixed(2)} s | ${warm.seconds.toFixed(2)} s | ${warm.restoreSeconds.toFixed(2)} s | **${(ratio * 100).toFixed(0)} %** | ≤ 15 % |`,
      '',
    ];
    return { coldSeconds: cold.seconds, warmSeconds: warm.seconds, ratio, warmRestoreSeconds: warm.restoreSeconds, entryBytes, rows };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await standin.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await benchCache();
  console.log(r.rows.join('\n'));
  process.exitCode = r.ratio <= 0.15 ? 0 : 1;
}
