#!/usr/bin/env node
// Runs the bundled action (dist/index.js) the way a GitHub runner does, on an example in examples/.
//   npm run demo                     -> examples/x86_64-unknown-none
//   npm run demo -- <target>         -> examples/<target>
// The action installs what it needs (QEMU, the toolchain). DEMO_TOOLCHAIN picks the toolchain
// (default: distro, the Linux distribution's Rust, which works without rustup or internet).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = process.argv[2] ?? 'x86_64-unknown-none';
const example = path.join(root, 'examples', target);
if (!fs.existsSync(path.join(example, 'demo.json'))) {
  const have = fs.readdirSync(path.join(root, 'examples')).filter((d) => fs.existsSync(path.join(root, 'examples', d, 'demo.json')));
  console.error(`No example for '${target}'. Examples: ${have.join(', ')}`);
  process.exit(2);
}
// Each example says which inputs its demo uses.
const inputs = {
  target,
  'working-directory': path.relative(root, example),
  toolchain: process.env.DEMO_TOOLCHAIN ?? 'distro',
  ...JSON.parse(fs.readFileSync(path.join(example, 'demo.json'), 'utf8')),
};

// The action installs with `sudo -n apt-get` when not root (as on GitHub's runners, where sudo needs no
// password). Here sudo may want one: ask for it once now, if anything is to be installed.
if (process.getuid?.() !== 0 && process.stdin.isTTY && needsInstall()) {
  console.log('demo: packages are missing or too old; sudo may ask for your password to install them');
  spawnSync('sudo', ['-v'], { stdio: 'inherit' });
}

/** Are the packages the demo's action run installs (QEMU, the distribution's Rust and lld) missing, or is std's vendored source? */
function needsInstall() {
  const debian12 = /^ID=debian$/m.test(read('/etc/os-release')) && /^VERSION_ID="12"$/m.test(read('/etc/os-release'));
  const pkgs = ['qemu-system-x86', 'lld', ...(debian12 ? ['rustc-web', 'cargo-web', 'rust-web-src'] : ['rustc', 'cargo', 'rust-src'])];
  const q = spawnSync('dpkg-query', ['-W', '-f=${Status}\n', ...pkgs], { encoding: 'utf8' });
  const installed = (q.stdout ?? '').split('\n').filter((l) => l.endsWith('install ok installed')).length;
  return installed < pkgs.length || !fs.existsSync('/usr/lib/rustlib/src/rust/library/vendor');
}

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-'));
const env = {
  ...process.env,
  GITHUB_WORKSPACE: root,
  RUNNER_TEMP: tmp,
  GITHUB_OUTPUT: path.join(tmp, 'output'),
  GITHUB_STEP_SUMMARY: path.join(tmp, 'summary.md'),
};
for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = String(v);
fs.writeFileSync(env.GITHUB_OUTPUT, '');
fs.writeFileSync(env.GITHUB_STEP_SUMMARY, '');

console.log(`demo: running dist/index.js with ${JSON.stringify(inputs)}`);
const r = spawnSync(process.execPath, [path.join(root, 'dist', 'index.js')], { env, stdio: 'inherit', cwd: root });
// Show the outputs as a later step would see them.
const outputs = fs.readFileSync(env.GITHUB_OUTPUT, 'utf8').matchAll(/^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm);
console.log('\ndemo: outputs');
for (const [, name, , value] of outputs) console.log(`  ${name}: ${value}`);
console.log(`demo: job summary written to ${env.GITHUB_STEP_SUMMARY}`);
process.exit(r.status ?? 1);
