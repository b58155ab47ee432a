// The cache benchmark: a cold and a warm step on the demo kernel (examples/x86_64-unknown-none,
// toolchain: distro, accel: tcg) through the cache-service STAND-IN on 127.0.0.1
// (test/standins/cache-service.ts). Goal: the warm step takes at most 15 % of the cold one.
// Then the entry's size before and after the cleanup (src/cache/cleanup.ts), from the action's own
// log line (the files' bytes) and the stand-in (the compressed upload): after a changed cargo config
// (a near entry restored, the kernel rebuilt: its old units left out; goal: the entry no bigger
// than the cold one's, + 10 %) and for a workflow that sets CARGO_INCREMENTAL=1 (the incremental
// folders left out; goal: likewise).
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
  /** Each saving run's entry: left out and kept (uncompressed, MiB, from the log), saved (compressed bytes). */
  saves: { label: string; leftOutMiB: number; keptMiB: number; savedBytes: number; line: string }[];
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
    const runOnce = async (label: string, o: { wantHit: 'true' | 'false'; over?: Record<string, string>; config?: string; env?: Record<string, string> }) => {
      // A fresh runner: a new checkout, no target folder. The workspace path stays the same, as on GitHub.
      const ws = path.join(tmp, 'ws');
      fs.rmSync(ws, { recursive: true, force: true });
      fs.rmSync(cargoHome, { recursive: true, force: true });
      copyExample(TARGET, path.join(ws, 'kernel'));
      if (o.config) {
        fs.mkdirSync(path.join(ws, 'kernel', '.cargo'), { recursive: true });
        fs.writeFileSync(path.join(ws, 'kernel', '.cargo', 'config.toml'), o.config);
      }
      const env = { ...standin.env(), GITHUB_WORKSPACE: ws, RUNNER_TEMP: runnerTemp, CARGO_HOME: cargoHome, ...o.env };
      const committed = standin.entries.filter((e) => e.committed).length;
      const started = performance.now();
      const result = await runAction({ ...inputs, cache: 'true', ...o.over }, { workspace: ws, env });
      const restoreSeconds = Number(/Cache \(build\): (?:restored|nothing)[^\n]* in ([\d.]+) s/.exec(result.stdout)?.[1] ?? NaN);
      const seconds = (performance.now() - started) / 1000;
      if (result.outputs.result !== 'pass') throw new Error(`${label} run did not pass: ${result.outputs.reason}\n${result.stdout.slice(-3000)}`);
      // The cold run must miss and the warm one hit, or the figures compare nothing.
      if (result.outputs['cache-hit'] !== o.wantHit)
        throw new Error(`${label} run: cache-hit is '${result.outputs['cache-hit']}', expected ${o.wantHit}\n${result.stdout.slice(-3000)}`);
      log(`${label}: ${seconds.toFixed(2)} s (restore ${restoreSeconds.toFixed(2)} s, action ${result.seconds.toFixed(2)} s)`);
      const cleaned = /^Cache \(build\): ((?:left out|nothing to leave out).*); ([\d.]+) MiB to save before compression\.$/m.exec(result.stdout);
      const saved = standin.entries.filter((e) => e.committed).slice(committed);
      if (cleaned && saved.length) {
        const leftOutMiB = [...cleaned[1].matchAll(/\(([\d.]+) MiB\)/g)].reduce((n, m) => n + Number(m[1]), 0);
        saves.push({ label, leftOutMiB, keptMiB: Number(cleaned[2]), savedBytes: saved.reduce((n, e) => n + e.size, 0), line: cleaned[1] });
      }
      return { seconds, restoreSeconds };
    };
    const saves: CacheBench['saves'] = [];
    const cold = await runOnce('cold', { wantHit: 'false' });
    const entryBytes = standin.entries.filter((e) => e.committed).reduce((n, e) => n + e.size, 0);
    if (!entryBytes) throw new Error('the cold run saved nothing: the warm run would measure nothing');
    const warm = await runOnce('warm', { wantHit: 'true' });
    const ratio = warm.seconds / cold.seconds;
    // A changed cargo config (part of the key): the near entry is restored, the kernel rebuilt with another unit hash.
    await runOnce('config changed', { wantHit: 'false', config: '[profile.dev.package.hello-kernel]\ndebug = false\n' });
    // A workflow that turns incremental compilation on (the runner's CARGO_INCREMENTAL wins); its own cache-key, so a cold build.
    await runOnce('CARGO_INCREMENTAL=1', { wantHit: 'false', over: { 'cache-key': 'incremental' }, env: { CARGO_INCREMENTAL: '1' } });
    const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
    const coldSave = saves.find((x) => x.label === 'cold');
    if (!coldSave) throw new Error('the cold run logged no cleanup line');
    const saveRows = saves.map((x) => {
      const ok = x.label === 'cold' ? '–' : x.savedBytes <= coldSave.savedBytes * 1.1 ? 'yes' : 'no';
      return `| ${x.label} | ${(x.keptMiB + x.leftOutMiB).toFixed(1)} MiB | ${x.keptMiB.toFixed(1)} MiB | ${mib(x.savedBytes)} | ${x.line} | ${ok} |`;
    });
    const rows = [
      '## Cache: a cold and a warm step',
      '',
      `The demo kernel (\`examples/${TARGET}\`, \`toolchain: distro\`, build-std of \`core\`), each run from a fresh copy with no \`target/\`, through the cache-service stand-in on 127.0.0.1 (\`cache: true\`: the step restores, builds, boots and saves). The entry holds the target folder and cargo's registry: ${(entryBytes / 1024 / 1024).toFixed(1)} MiB compressed.`,
      '',
      '| cold step | warm step | of which restore | warm / cold | goal |',
      '| --- | --- | --- | --- | --- |',
      `| ${cold.seconds.toFixed(2)} s | ${warm.seconds.toFixed(2)} s | ${warm.restoreSeconds.toFixed(2)} s | **${(ratio * 100).toFixed(0)} %** | ≤ 15 % |`,
      '',
      `The entry before and after the cleanup (incremental folders and the units the build did not use left out; the action's build sets \`CARGO_INCREMENTAL=0\`): the files' bytes as the action logs them, and the upload the stand-in received. \`config changed\`: a \`.cargo/config.toml\` that changes the kernel's profile, so the near entry is restored and the kernel rebuilt; \`CARGO_INCREMENTAL=1\`: a workflow that turns incremental compilation on (its own \`cache-key\`, a cold build). Goal: no entry more than 10 % bigger than the cold one, whatever earlier builds left.`,
      '',
      '| run | before cleanup | after cleanup | saved (compressed) | left out | within goal |',
      '| --- | --- | --- | --- | --- | --- |',
      ...saveRows,
      '',
    ];
    return { coldSeconds: cold.seconds, warmSeconds: warm.seconds, ratio, warmRestoreSeconds: warm.restoreSeconds, entryBytes, saves, rows };
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
  process.exitCode = r.ratio <= 0.15 && r.saves.every((x) => x.savedBytes <= r.entryBytes * 1.1) ? 0 : 1;
}
