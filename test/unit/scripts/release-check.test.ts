// The release workflow's refusals (scripts/release-check.ts), driven the way release.yml drives them: tags in real
// git repositories made here (git init, commits, tags, an origin/main ref), and CI verdicts on workflow-run answers
// shaped as GitHub's REST API gives them (test/fixtures/release/, with the fields of
// https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkFiles, checkTag, ciVerdict, PENDING_STATUS, releaseNotes, type WorkflowRun } from '../../../scripts/release-check.js';
import { ROOT } from '../../helpers/action.js';
import { tempDir } from '../../helpers/tmp.js';

const SHA = '3f2a9c1d7be04e6a8c5d2f1e0b9a8c7d6e5f4a3b';

const CHANGELOG = (version: string, entries = '### Added\n- A thing.\n') =>
  `# Changelog\n\n## [Unreleased]\n\n## [${version}] - 2026-12-02\n\n${entries}\n## [0.9.0] - 2026-01-01\n\n- Older.\n\n[Unreleased]: https://github.com/o/r/compare/v${version}...HEAD\n[0.9.0]: https://github.com/o/r/releases/tag/v0.9.0\n`;
const PACKAGE = (version: string) => JSON.stringify({ name: 'x', version }, null, 2);
const LOCK = (version: string) => JSON.stringify({ name: 'x', version, lockfileVersion: 3, packages: { '': { name: 'x', version } } }, null, 2);

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  }).trim();
}

/** A repository whose main has one release commit, with origin/main at it (as a fetch-depth: 0 checkout has it). */
function repo(files: { version?: string; changelog?: string; lockVersion?: string } = {}): string {
  const dir = tempDir('release-check-');
  const version = files.version ?? '1.0.0';
  git(dir, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(dir, 'package.json'), PACKAGE(version));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), LOCK(files.lockVersion ?? version));
  fs.writeFileSync(path.join(dir, 'CHANGELOG.md'), files.changelog ?? CHANGELOG(version));
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'release');
  git(dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
  return dir;
}

test('a vX.Y.Z tag on main with package.json, its lock and a CHANGELOG section at that version is released', () => {
  const dir = repo();
  git(dir, 'tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  assert.deepEqual(checkTag(dir, 'v1.0.0'), []);
});

test('a tag without its CHANGELOG section is refused, with the heading to add', () => {
  const dir = repo({ changelog: '# Changelog\n\n## [Unreleased]\n\n### Added\n- A thing.\n' });
  git(dir, 'tag', 'v1.0.0');
  const problems = checkTag(dir, 'v1.0.0');
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(
    problems[0],
    /CHANGELOG\.md has no "## \[1\.0\.0\] - YYYY-MM-DD" section for v1\.0\.0: move the entries under \[Unreleased\] into a new section/,
  );
});

test('a CHANGELOG section that lists nothing, or has no date, is refused', () => {
  const empty = repo({ changelog: CHANGELOG('1.0.0', '') });
  git(empty, 'tag', 'v1.0.0');
  assert.match(checkTag(empty, 'v1.0.0').join('\n'), /section for 1\.0\.0 lists no changes: add the entries/);
  const undated = repo({ changelog: '## [Unreleased]\n\n## [1.0.0]\n\n- A thing.\n' });
  git(undated, 'tag', 'v1.0.0');
  assert.match(checkTag(undated, 'v1.0.0').join('\n'), /no "## \[1\.0\.0\] - YYYY-MM-DD" section/);
});

test('a tag on a commit that is not on main is refused, naming how to tag main instead', () => {
  const dir = repo();
  git(dir, 'checkout', '-q', '-b', 'side');
  fs.appendFileSync(path.join(dir, 'CHANGELOG.md'), '\n');
  git(dir, 'commit', '-q', '-am', 'not merged');
  git(dir, 'tag', 'v1.0.0');
  const problems = checkTag(dir, 'v1.0.0');
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0], /^v1\.0\.0 \([0-9a-f]+\) is not a commit of main \(origin\/main\): releases are made from main only\. Merge the change into main/);
  // Once main has it (merged, origin/main moved), the same tag passes.
  git(dir, 'update-ref', 'refs/remotes/origin/main', 'side');
  assert.deepEqual(checkTag(dir, 'v1.0.0'), []);
});

test('without origin/main (a shallow checkout) the tag is refused, naming fetch-depth: 0', () => {
  const dir = repo();
  git(dir, 'update-ref', '-d', 'refs/remotes/origin/main');
  git(dir, 'tag', 'v1.0.0');
  assert.match(checkTag(dir, 'v1.0.0').join('\n'), /origin\/main is not in .*: check out with fetch-depth: 0/);
});

test('a version in package.json or its lock other than the tag is refused, naming npm version', () => {
  const dir = repo({ version: '0.9.0', changelog: CHANGELOG('1.0.0') });
  git(dir, 'tag', 'v1.0.0');
  const problems = checkTag(dir, 'v1.0.0').join('\n');
  assert.match(problems, /package\.json says version 0\.9\.0 but the tag is v1\.0\.0: run npm version 1\.0\.0 --no-git-tag-version/);
  assert.match(problems, /package-lock\.json says version 0\.9\.0 \/ 0\.9\.0 but the tag is v1\.0\.0/);
  const lockOnly = repo({ lockVersion: '0.1.0' });
  git(lockOnly, 'tag', 'v1.0.0');
  assert.match(checkTag(lockOnly, 'v1.0.0').join('\n'), /^package-lock\.json says version 0\.1\.0 \/ 0\.1\.0/);
});

test('a tag not of the form vX.Y.Z, or one that does not exist, is refused', () => {
  const dir = repo();
  git(dir, 'tag', 'v1.0');
  assert.match(checkTag(dir, 'v1.0').join('\n'), /not a release tag: release tags are vMAJOR\.MINOR\.PATCH/);
  assert.match(checkTag(dir, 'v1.0.1').join('\n'), /There is no tag v1\.0\.1/);
});

test('the release notes are the version section, without its heading, the next section or the link references at the end', () => {
  assert.equal(releaseNotes(CHANGELOG('1.0.0'), '1.0.0'), '### Added\n- A thing.');
  assert.equal(releaseNotes(CHANGELOG('1.0.0'), '0.9.0'), '- Older.');
  assert.equal(releaseNotes(CHANGELOG('1.0.0'), '1.0'), undefined);
});

test('the script as release.yml runs it: refusals as ::error:: lines and exit 1, the notes on stdout', () => {
  const dir = repo({ changelog: '## [Unreleased]\n' });
  git(dir, 'tag', 'v1.0.0');
  const script = path.join(ROOT, 'scripts', 'release-check.ts');
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...args], { cwd: dir, encoding: 'utf8' });
  const refused = run('tag', 'v1.0.0');
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(refused.stdout, /^::error::CHANGELOG\.md has no "## \[1\.0\.0\]/m);
  fs.writeFileSync(path.join(dir, 'CHANGELOG.md'), CHANGELOG('1.0.0'));
  assert.equal(run('notes', 'v1.0.0').stdout, '### Added\n- A thing.\n');
  const ci = run('ci', SHA, path.join(ROOT, 'test', 'fixtures', 'release', 'runs-pending.json'));
  assert.equal(ci.status, PENDING_STATUS, ci.stdout + ci.stderr);
});

const answer = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'release', `runs-${name}.json`), 'utf8')) as { workflow_runs: WorkflowRun[] };

test('CI green on the tagged commit: the newest run of each workflow succeeded or was skipped; the release run itself is left out', () => {
  const v = ciVerdict(answer('green'), SHA);
  assert.equal(v.state, 'green', v.message);
  // The earlier failed CI run of the same commit is replaced by the later successful one, not counted.
  assert.doesNotMatch(v.message, /failure/);
  assert.match(v.message, /CI success/);
});

test('a red workflow on the tagged commit refuses the release, naming it and its run', () => {
  const v = ciVerdict(answer('red'), SHA);
  assert.equal(v.state, 'red');
  assert.match(
    v.message,
    /CI is red on 3f2a9c1d7be0: Boot the examples failure \(https:\/\/github\.com\/OWNER\/unikernel-boot-action\/actions\/runs\/19000000400\)\. Fix it on main/,
  );
  // The green fixture with its newest CI run turned red: refused too (the decision reads the conclusion, not the fixture name).
  const flipped = answer('green');
  for (const r of flipped.workflow_runs) if (r.id === 19000000450) r.conclusion = 'cancelled';
  assert.equal(ciVerdict(flipped, SHA).state, 'red');
});

test('CI still running on the tagged commit is pending (asked again), not green', () => {
  const v = ciVerdict(answer('pending'), SHA);
  assert.equal(v.state, 'pending');
  assert.match(v.message, /Still running on 3f2a9c1d7be0: CI \(in_progress/);
});

test('no CI run on the tagged commit (only on another commit) refuses the release', () => {
  const v = ciVerdict(answer('no-ci'), SHA);
  assert.equal(v.state, 'red');
  assert.match(v.message, /No run of \.github\/workflows\/ci\.yml on 3f2a9c1d7be0: CI never ran on the tagged commit/);
});

test('this repository agrees with itself: package.json, its lock and CHANGELOG.md at one version, the README on its major tag', () => {
  const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
  const version = (JSON.parse(read('package.json')) as { version: string }).version;
  assert.deepEqual(
    checkFiles(`v${version}`, { packageJson: read('package.json'), packageLock: read('package-lock.json'), changelog: read('CHANGELOG.md') }),
    [],
  );
  assert.match(read('CHANGELOG.md'), /^## \[Unreleased\]\n/m, 'CHANGELOG.md keeps an [Unreleased] section on top for the next changes');
  const major = `v${version.split('.')[0]}`;
  const refs = [...read('README.md').matchAll(/<this-repo>@(v[\d.]+)\b/g)].map((m) => m[1]);
  assert.ok(refs.length > 0, 'the README shows uses: <owner>/<this-repo>@vN');
  assert.deepEqual([...new Set(refs.filter((r) => !/^v1\.2\.3$/.test(r)))], [major], `the README's examples use @${major} (the tag release.yml moves)`);
});

test("action.yml's author is the LICENSE's copyright holder, not a placeholder", () => {
  const holder = /^Copyright \(c\) \d{4} (.+)$/m.exec(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'))?.[1];
  assert.ok(holder, 'LICENSE has a copyright line');
  const author = /^author: '(.*)'$/m.exec(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8'))?.[1];
  assert.equal(author?.toLowerCase(), holder.toLowerCase());
});
