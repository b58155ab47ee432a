// Issue 23: a fresh machine has only what scripts/setup.sh installs. Every program and system file the
// tests and scripts use is read from their sources here and held against setup.sh's package list, so a
// new use without a setup line fails this test instead of failing (or skipping) on the next machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../helpers/action.js';

/** Programs -> the Debian 12 package that has them. */
const PROGRAMS: Record<string, string> = {
  git: 'git',
  file: 'file',
  time: 'time',
  pgrep: 'procps',
  xz: 'xz-utils',
  zstd: 'zstd',
  cpio: 'cpio',
  busybox: 'busybox-static',
  gcc: 'gcc',
  'aarch64-linux-gnu-gcc': 'gcc-aarch64-linux-gnu',
  cmake: 'cmake',
  ninja: 'ninja-build',
  cargo: 'cargo-web',
  rustc: 'rustc-web',
  lld: 'lld',
  'ld.lld': 'lld',
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-system-aarch64': 'qemu-system-arm',
  'qemu-system-arm': 'qemu-system-arm',
  'qemu-system-riscv64': 'qemu-system-misc',
  'grub-mkrescue': 'grub-common',
  xorriso: 'xorriso',
  make: 'make',
  objcopy: 'binutils',
  shellcheck: 'shellcheck',
};

/**
 * What a package needs to be useful that it only Recommends (setup.sh installs with --no-install-recommends):
 * a gcc links programs (CMake's compiler check does) only with its C library's development files.
 */
const COMPANIONS: Record<string, string[]> = {
  gcc: ['libc6-dev'],
  'gcc-aarch64-linux-gnu': ['libc6-dev-arm64-cross'],
  // grub-mkrescue writes BIOS and UEFI images (their GRUB modules), with xorriso and mtools.
  'grub-common': ['grub-pc-bin', 'grub-efi-amd64-bin', 'xorriso', 'mtools'],
};

/** System files (by prefix) -> the package that installs them. */
const FILES: [string, string][] = [
  ['/boot/vmlinuz', 'linux-image-amd64'],
  ['/lib/modules', 'linux-image-amd64'],
  ['/usr/share/OVMF/', 'ovmf'],
  ['/usr/share/qemu-efi-aarch64/', 'qemu-efi-aarch64'],
  ['/usr/lib/riscv64-linux-gnu/opensbi/', 'opensbi'],
  ['/usr/lib/rustlib/src/', 'rust-web-src'],
  ['/bin/busybox', 'busybox-static'],
];

/** In every Debian system (Essential: yes, or what runs setup.sh itself): nothing to install. */
const BASE = new Set([
  ...['bash', 'sh', 'env', 'cat', 'cp', 'cut', 'head', 'tail', 'ls', 'mkdir', 'mktemp', 'rm', 'sort', 'sleep', 'chmod', 'id', 'true', 'dirname', 'pwd'], // coreutils, bash
  ...['grep', 'sed', 'find', 'tar', 'gzip', 'dpkg-query', 'compgen'], // grep, sed, findutils, tar, gzip, dpkg, bash
  ...['apt-get', 'apt-cache', 'apt-config'], // apt: setup.sh installs with it
  ...['sudo'], // only when not root, and then setup.sh itself needs it to install anything
  ...['npm', 'node'], // the runtime the tests run on
]);

/** Commands the tests run through src/ rather than themselves: [file that runs it, program]. */
const THROUGH_SRC: [string, string][] = [
  ['src/targets/sel4/build.ts', 'gcc'], // the host compiler of the x86_64 kernel build (CMake's default cc)
  ['src/targets/sel4/kernel-build.ts', 'cmake'],
  ['src/targets/sel4/kernel-build.ts', 'ninja'],
  ['src/targets/sel4/kernel-build.ts', 'git'],
  ['src/targets/bare-metal/limine.ts', 'make'], // the Limine host tool, from the release's limine.c
  ['src/targets/bare-metal/limine.ts', 'gcc'], // ... make's C compiler
  ['src/targets/bare-metal/limine.ts', 'xorriso'],
];

/** Paths that look like system files but are made up (arguments held against plans, never opened), and the system folders themselves. */
const MADE_UP = [/^\/boot(\/kernel|\/limine\/.*)?$/, /^\/usr\/lib\/x\//, /^\/boot-protocol/, /^\/bin\/uhyve$/, /^\/usr$/, /^\/(usr\/)?(local\/)?s?bin$/];

/** The packages=( ... ) list of setup.sh. */
function setupPackages(): Set<string> {
  const text = fs.readFileSync(path.join(ROOT, 'scripts', 'setup.sh'), 'utf8');
  const block = /^packages=\(\n([\s\S]*?)\n\)/m.exec(text);
  assert.ok(block, 'scripts/setup.sh has a packages=( ... ) list');
  return new Set(block[1].split('\n').flatMap((l) => l.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean)));
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!['fixtures', 'kernels', 'node_modules', 'target'].includes(e.name)) out.push(...sources(p));
    } else if (/\.(ts|mjs|sh)$/.test(e.name)) out.push(p);
  }
  return out;
}

const SHELL_WORDS = new Set(
  'if then else elif fi for in do done case esac while until function local set cd trap export return exit exec command printf echo read shift test break continue'.split(
    ' ',
  ),
);

/** The programs a shell script runs: the first word of every command (after assignments, `!`, pipes, `$(`). */
export function shellCommands(text: string): string[] {
  const found = new Set<string>();
  const functions = new Set([...text.matchAll(/^\s*([\w-]+)\(\)\s*\{/gm)].map((m) => m[1]));
  // `command -v busybox`: looked up, so needed.
  for (const m of text.matchAll(/\bcommand -v "?([A-Za-z][\w.+-]*)/g)) found.add(m[1]);
  for (const raw of text.split('\n')) {
    const line = raw
      .replace(/(^|\s)#.*$/, '')
      .replace(/'[^']*'/g, "''")
      .replace(/"[^"]*"/g, '""')
      .replace(/\$\(\([^)]*\)\)/g, '0')
      .replace(/\$\{[^}]*\}/g, '$x')
      .replace(/\)/g, ';');
    for (let seg of line.split(/\|\||&&|[|;(]|\$\(|\bthen\b|\bdo\b|\belse\b/)) {
      seg = seg.trim().replace(/^!\s*/, '');
      while (/^[A-Za-z_]\w*=\S*\s*/.test(seg)) seg = seg.replace(/^[A-Za-z_]\w*=\S*\s*/, '');
      const w = /^([A-Za-z][\w.+-]*)(\s|$)/.exec(seg)?.[1];
      if (w && !SHELL_WORDS.has(w) && !functions.has(w) && !/^[A-Z_]+$/.test(w)) found.add(w);
    }
  }
  return [...found];
}

/** Every program and system file used by test/ and scripts/, with where. */
function uses(): { programs: Map<string, string>; files: Map<string, string>; required: [string, string, string][] } {
  const programs = new Map<string, string>();
  const files = new Map<string, string>();
  const required: [string, string, string][] = [];
  for (const file of [...sources(path.join(ROOT, 'test')), ...sources(path.join(ROOT, 'scripts'))]) {
    const rel = path.relative(ROOT, file);
    // This test's own tables; setup.sh itself (what it runs is the bootstrap: bash, apt, dpkg, sudo, npm);
    // the stand-in server's init, which runs inside the guest from busybox.
    if (['test/unit/action/setup-packages.test.ts', 'scripts/setup.sh', 'test/standins/linux-httpd/init'].includes(rel)) continue;
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.sh')) {
      for (const c of shellCommands(text)) programs.set(c, rel);
    } else {
      for (const m of text.matchAll(/\b(?:execFileSync|execFile|spawnSync|spawn|capture|runLogged|which)\(\s*'([^']+)'/g))
        programs.set(path.basename(m[1]), rel);
      for (const m of text.matchAll(/requireProgram\(\s*'([^']+)',\s*'([^']+)'\)/g)) required.push([m[1], m[2], rel]);
    }
    for (const m of text.matchAll(/(?:^|['"`\s(=])(\/(?:usr|boot|lib|bin|sbin)\b[\w./*+-]*)/gm)) {
      const file = m[1].replace(/[/.]$/, '');
      if (!MADE_UP.some((r) => r.test(file))) files.set(file, rel);
    }
  }
  return { programs, files, required };
}

test('shellCommands finds the programs of a script line by line (the parser the check below relies on)', () => {
  assert.deepEqual(
    shellCommands(
      'x=$(ls /boot | sort -V || true)\ncommand -v cpio >/dev/null || exit 1\n[ -n "$x" ] && file -L "$b" | grep -q s # a comment with words\nLC_ALL=C grep -obUaP "$m" k\n! cpio -o\n',
    ).sort(),
    ['cpio', 'file', 'grep', 'ls', 'sort', 'true'],
  );
});

test('every program and system file the tests and scripts use comes from a package scripts/setup.sh installs', () => {
  const installed = setupPackages();
  const { programs, files, required } = uses();
  const through = THROUGH_SRC.map(([src, cmd]) => {
    assert.ok(fs.readFileSync(path.join(ROOT, src), 'utf8').includes(`'${cmd}'`), `${src} still runs ${cmd} (else drop it from THROUGH_SRC)`);
    return [cmd, `${src} (run by the tests)`] as const;
  });
  const problems: string[] = [];
  for (const [cmd, where] of [...programs, ...through]) {
    if (BASE.has(cmd)) continue;
    const pkg = PROGRAMS[cmd];
    if (!pkg) problems.push(`${where} runs ${cmd}: add it to PROGRAMS here with its apt package, and the package to scripts/setup.sh`);
    else if (!installed.has(pkg)) problems.push(`${where} runs ${cmd}, from ${pkg}, which scripts/setup.sh does not install`);
    for (const c of COMPANIONS[pkg] ?? [])
      if (!installed.has(c)) problems.push(`${where} runs ${cmd}, which needs ${c} (only Recommended by ${pkg}): add it to scripts/setup.sh`);
  }
  for (const [file, where] of files) {
    const base = path.basename(file);
    const pkg = FILES.find(([p]) => file.startsWith(p))?.[1] ?? (/^\/(usr\/)?s?bin\//.test(file) ? (BASE.has(base) ? 'base' : PROGRAMS[base]) : undefined);
    if (pkg === 'base') continue;
    if (!pkg) problems.push(`${where} uses ${file}: add it to FILES here with its apt package, and the package to scripts/setup.sh`);
    else if (!installed.has(pkg)) problems.push(`${where} uses ${file}, from ${pkg}, which scripts/setup.sh does not install`);
  }
  for (const [cmd, pkg, where] of required) {
    if (!installed.has(pkg) && !BASE.has(cmd)) problems.push(`${where} requires ${cmd} from ${pkg}, which scripts/setup.sh does not install`);
    for (const c of COMPANIONS[pkg] ?? [])
      if (!installed.has(c)) problems.push(`${where} requires ${cmd}, which needs ${c} (only Recommended by ${pkg}): add it to scripts/setup.sh`);
  }
  assert.deepEqual(problems, []);
  // The scan found what the suite is known to use (a parser that finds nothing would pass vacuously).
  for (const p of ['git', 'pgrep', 'cpio', 'busybox', 'xz', 'file']) assert.ok(programs.has(p), `the scan finds ${p}`);
  for (const f of ['/boot/vmlinuz', '/usr/bin/cargo', '/usr/share/OVMF/OVMF_VARS.fd'])
    assert.ok(
      [...files.keys()].some((k) => k.startsWith(f)),
      `the scan finds ${f}`,
    );
  assert.ok(
    required.some(([c]) => c === 'aarch64-linux-gnu-gcc'),
    'the scan finds requireProgram calls',
  );
});

test('no test skips for a missing program or package: it fails naming the package (requireProgram)', () => {
  const offenders: string[] = [];
  for (const file of sources(path.join(ROOT, 'test'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/skip:\s*([^\n]*)/g)) {
      if (/not installed|apt package|hasProgram|existsSync\('\/usr|install /i.test(m[1])) offenders.push(`${path.relative(ROOT, file)}: skip: ${m[1].trim()}`);
    }
  }
  assert.deepEqual(offenders, []);
});
