// The kernel-build step run for real (git clone of a tag, commit check, cmake + ninja with the
// (cross) gcc, install, tool cache) against a STAND-IN source tree: test/standins/sel4/kernel-source,
// a tiny CMake project that installs the same layout as seL4 (the real sources cannot be fetched here).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildKernel, kernelCacheKey, kernelSettings, type KernelBuildRequest } from '../../src/targets/sel4/kernel-build.js';
import { readPrefix } from '../../src/targets/sel4/kernel-facts.js';
import { freshToolCache } from '../helpers/http-server.js';
import { ROOT } from '../helpers/action.js';
import { requireProgram } from '../helpers/system.js';
import { memoryLog } from '../../src/model/log.js';
import { readRunnerEnv } from '../../src/model/runner-env.js';

/** The runner's environment as the freshToolCache helper sets it (RUNNER_TEMP, RUNNER_TOOL_CACHE). */
const runnerEnv = () => readRunnerEnv(process.env);

let tmp: string;
let repo: string;
let commit: string;
const TAG = 'standin-1.0.0';

const git = (args: string[], cwd: string) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).trim();

before(() => {
  tmp = freshToolCache('sel4-kernel-build-');
  // A git repository holding the stand-in source, tagged like a seL4 release.
  repo = path.join(tmp, 'seL4-standin');
  fs.cpSync(path.join(ROOT, 'test/standins/sel4/kernel-source'), repo, { recursive: true });
  git(['init', '-q', '-b', 'master'], repo);
  git(['add', '.'], repo);
  git(['commit', '-q', '-m', 'stand-in'], repo);
  git(['tag', TAG], repo);
  commit = git(['rev-parse', 'HEAD'], repo);
});

const request = (arch: KernelBuildRequest['arch'], user: Record<string, string> = {}): KernelBuildRequest => ({
  arch,
  source: { tag: TAG, commit },
  settings: kernelSettings(arch, user),
  qemuVersion: 'QEMU emulator version 7.2.0',
  repo: `file://${repo}`,
});

const workDirs = () => fs.readdirSync(process.env.RUNNER_TEMP!).filter((d) => d.startsWith('sel4-kernel-'));

test("x86_64 (host gcc): cloned at the tag, commit checked, built with cmake + ninja, installed in seL4's layout, cached; the second run builds nothing", async () => {
  const r = request('x86_64');
  const first = await buildKernel(r, runnerEnv(), memoryLog());
  assert.equal(first.cached, false);
  assert.equal(first.prefix, path.join(process.env.RUNNER_TOOL_CACHE!, kernelCacheKey(r).tool, kernelCacheKey(r).version, process.arch));
  const facts = readPrefix(first.prefix, 'x86_64', false);
  assert.equal(facts.genConfig.PLAT, 'pc99');
  assert.equal(facts.genConfig.PRINTING, true);
  assert.equal(fs.readFileSync(facts.kernel).subarray(0, 4).toString('latin1'), '\x7fELF', 'kernel.elf was compiled');
  assert.deepEqual(workDirs(), [], 'the work folder is gone');
  const second = await buildKernel(r, runnerEnv(), memoryLog());
  assert.deepEqual(second, { prefix: first.prefix, cached: true });
});

test('aarch64 (cross gcc, QEMU asked at configure): the settings reach the build; QEMU_MEMORY becomes the -m the boot uses', async () => {
  requireProgram('aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu');
  const r = request('aarch64', { QEMU_MEMORY: '2048' });
  const { prefix } = await buildKernel(r, runnerEnv(), memoryLog());
  const facts = readPrefix(prefix, 'aarch64', false);
  assert.equal(facts.memoryMiB, 2048);
  assert.equal(facts.genConfig.SEL4_ARCH, 'aarch64');
  assert.equal(execFileSync('file', ['-b', facts.kernel], { encoding: 'utf8' }).includes('ARM aarch64'), true);
  // Another setting, another cache entry.
  const other = await buildKernel(request('aarch64'), runnerEnv(), memoryLog());
  assert.equal(other.cached, false);
  assert.notEqual(other.prefix, prefix);
  assert.equal(readPrefix(other.prefix, 'aarch64', false).memoryMiB, 1024);
});

test('a tag at another commit than expected is refused before anything is built; nothing is cached or left behind', async () => {
  const r = { ...request('x86_64', { KernelMaxNumNodes: '2' }), source: { tag: TAG, commit: 'f'.repeat(40) } };
  await assert.rejects(
    buildKernel(r, runnerEnv(), memoryLog()),
    new RegExp(`seL4 tag ${TAG} from file://.* is at commit ${commit}, not f{40} as expected; the tag was moved\\. Nothing was built\\.`),
  );
  assert.equal(fs.existsSync(path.join(process.env.RUNNER_TOOL_CACHE!, kernelCacheKey(r).tool, kernelCacheKey(r).version)), false);
  assert.deepEqual(workDirs(), []);
});

test('a failing build step is reported with the command, and nothing is cached', async () => {
  const r = { ...request('x86_64', { KernelMaxNumNodes: '3' }), source: { tag: 'no-such-tag', commit } };
  await assert.rejects(buildKernel(r, runnerEnv(), memoryLog()), /The seL4 kernel build failed at cloning seL4 no-such-tag \(git clone .*--branch no-such-tag/);
  assert.deepEqual(workDirs(), []);
});
