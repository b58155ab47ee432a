#!/usr/bin/env node
// The checks .github/workflows/release.yml runs before it publishes a release and moves the major tag,
// here so that unit tests drive them (test/unit/scripts/release-check.test.ts):
//   node --import tsx scripts/release-check.ts tag vX.Y.Z          the tag itself (exit 1 with the reasons)
//   node --import tsx scripts/release-check.ts notes vX.Y.Z        its CHANGELOG section, the release notes
//   node --import tsx scripts/release-check.ts ci SHA RUNS.json    CI on the tagged commit: exit 0 green,
//                                                                  1 red, 75 still running (ask again later)
// RUNS.json is GitHub's "list workflow runs for a repository" answer for the commit
// (GET /repos/{owner}/{repo}/actions/runs?head_sha=SHA,
// https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';

/** vX.Y.Z, the tags release.yml runs on. */
const TAG = /^v(\d+)\.(\d+)\.(\d+)$/;

/** Keep a Changelog's heading of a released version: `## [1.2.3] - 2026-12-02`. */
function sectionHeading(version: string): RegExp {
  return new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}[ \\t]*$`, 'm');
}

/**
 * The body of CHANGELOG.md's section for a version, trimmed: up to the next `## ` heading or the link references at
 * the end (`[1.0.0]: https://...`, Keep a Changelog's links of the versions). Undefined when there is no such section.
 */
export function releaseNotes(changelog: string, version: string): string | undefined {
  const m = sectionHeading(version).exec(changelog);
  if (!m) return undefined;
  const rest = changelog.slice(m.index + m[0].length);
  const next = /^(## |\[[^\]]+\]: )/m.exec(rest);
  return (next ? rest.slice(0, next.index) : rest).trim();
}

/** What a release commit's files must say for a tag: package.json and its lock at the version, a dated CHANGELOG section with entries. */
export function checkFiles(tag: string, files: { packageJson: string; packageLock: string; changelog: string }): string[] {
  const version = tag.slice(1);
  const problems: string[] = [];
  const pkg = (JSON.parse(files.packageJson) as { version?: string }).version;
  if (pkg !== version)
    problems.push(
      `package.json says version ${pkg} but the tag is ${tag}: run npm version ${version} --no-git-tag-version (it sets package.json and its lock), commit, and tag that commit.`,
    );
  const lock = JSON.parse(files.packageLock) as { version?: string; packages?: Record<string, { version?: string }> };
  const lockVersions = [lock.version, lock.packages?.['']?.version];
  if (lockVersions.some((v) => v !== version))
    problems.push(
      `package-lock.json says version ${lockVersions.join(' / ')} but the tag is ${tag}: run npm version ${version} --no-git-tag-version (it sets package.json and its lock), commit, and tag that commit.`,
    );
  const notes = releaseNotes(files.changelog, version);
  if (notes === undefined)
    problems.push(
      `CHANGELOG.md has no "## [${version}] - YYYY-MM-DD" section for ${tag}: move the entries under [Unreleased] into a new section with that heading (today's date), keep an empty [Unreleased] above it, commit, and tag that commit.`,
    );
  else if (!/^\s*[-*] /m.test(notes))
    problems.push(
      `CHANGELOG.md's section for ${version} lists no changes: add the entries (lines starting with "- ") that this release brings, commit, and tag that commit.`,
    );
  return problems;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function gitOk(dir: string, ...args: string[]): boolean {
  try {
    git(dir, ...args);
    return true;
  } catch {
    return false;
  }
}

/**
 * Everything that must hold for a tag before it is released, read from the git repository in dir: its name, that it
 * is a commit of main (mainRef, the remote branch a checkout with fetch-depth: 0 has), and checkFiles on that commit's files.
 * Returns the problems, each a sentence with its fix; none means the tag may be released.
 */
export function checkTag(dir: string, tag: string, mainRef = 'origin/main'): string[] {
  if (!TAG.test(tag))
    return [`The tag ${tag} is not a release tag: release tags are vMAJOR.MINOR.PATCH (for example v1.2.3); delete it and push one of that form.`];
  if (!gitOk(dir, 'rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`))
    return [`There is no tag ${tag} in ${dir}: fetch the tags (actions/checkout with fetch-depth: 0) or push the tag first.`];
  const problems: string[] = [];
  if (!gitOk(dir, 'rev-parse', '--verify', '--quiet', `${mainRef}^{commit}`))
    problems.push(`${mainRef} is not in ${dir}, so whether ${tag} is on main cannot be told: check out with fetch-depth: 0 (every branch and tag).`);
  else if (!gitOk(dir, 'merge-base', '--is-ancestor', `refs/tags/${tag}^{commit}`, mainRef))
    problems.push(
      `${tag} (${git(dir, 'rev-parse', '--short', `refs/tags/${tag}^{commit}`)}) is not a commit of main (${mainRef}): releases are made from main only. Merge the change into main, then delete the tag (git push --delete origin ${tag}) and tag the merged commit on main.`,
    );
  const read = (file: string): string | undefined => {
    try {
      return git(dir, 'show', `refs/tags/${tag}:${file}`);
    } catch {
      problems.push(`${tag} has no ${file}: tag a commit of this repository's main branch.`);
      return undefined;
    }
  };
  const [packageJson, packageLock, changelog] = [read('package.json'), read('package-lock.json'), read('CHANGELOG.md')];
  if (packageJson !== undefined && packageLock !== undefined && changelog !== undefined)
    problems.push(...checkFiles(tag, { packageJson, packageLock, changelog }));
  return problems;
}

/** One workflow run as GitHub's REST API lists it (the fields read here). */
export interface WorkflowRun {
  id: number;
  name: string;
  path: string;
  head_sha: string;
  event: string;
  status: string;
  conclusion: string | null;
  html_url: string;
  created_at: string;
}

export interface CiVerdict {
  state: 'green' | 'red' | 'pending';
  message: string;
}

/** Conclusions that are not a failure: a job skipped by its `if:` or a neutral check. */
const OK_CONCLUSIONS = new Set(['success', 'skipped', 'neutral']);

/**
 * Whether CI is green on the tagged commit, from its workflow runs: every workflow that ran on the commit (its newest
 * run: a later run or re-run of the same workflow replaces an earlier one) must have concluded successfully, and the
 * required workflow (CI, .github/workflows/ci.yml) must be among them. The release workflow's own run (self) is left
 * out: it is the one asking. A run not completed yet makes the verdict pending, to be asked again.
 */
export function ciVerdict(
  answer: { workflow_runs: WorkflowRun[] },
  sha: string,
  { required = '.github/workflows/ci.yml', self = '.github/workflows/release.yml' } = {},
): CiVerdict {
  const newest = new Map<string, WorkflowRun>();
  for (const run of answer.workflow_runs) {
    // The path may carry the ref (".github/workflows/ci.yml@refs/heads/main" for some events).
    const file = run.path.replace(/@.*$/, '');
    if (run.head_sha !== sha || file === self) continue;
    const seen = newest.get(file);
    if (!seen || Date.parse(run.created_at) > Date.parse(seen.created_at) || (run.created_at === seen.created_at && run.id > seen.id)) newest.set(file, run);
  }
  const short = sha.slice(0, 12);
  if (!newest.has(required))
    return {
      state: 'red',
      message: `No run of ${required} on ${short}: CI never ran on the tagged commit. Tag a commit that CI ran on (a push to main), or run CI on it (workflow_dispatch) and then re-run this job.`,
    };
  const runs = [...newest.values()];
  const red = runs.filter((r) => r.status === 'completed' && !OK_CONCLUSIONS.has(r.conclusion ?? ''));
  if (red.length)
    return {
      state: 'red',
      message: `CI is red on ${short}: ${red.map((r) => `${r.name} ${r.conclusion} (${r.html_url})`).join('; ')}. Fix it on main and tag the fixed commit, or re-run the failed workflow if the failure was not the commit's, then re-run this job.`,
    };
  const running = runs.filter((r) => r.status !== 'completed');
  if (running.length)
    return { state: 'pending', message: `Still running on ${short}: ${running.map((r) => `${r.name} (${r.status}, ${r.html_url})`).join('; ')}.` };
  return { state: 'green', message: `CI is green on ${short}: ${runs.map((r) => `${r.name} ${r.conclusion}`).join(', ')}.` };
}

/** The exit status for "still running": EX_TEMPFAIL of sysexits.h, a temporary failure to retry. */
export const PENDING_STATUS = 75;

function main(argv: string[]): number {
  const [command, arg, file] = argv;
  if (command === 'tag' && arg) {
    const problems = checkTag(process.cwd(), arg);
    for (const p of problems) console.log(`::error::${p}`);
    if (!problems.length) console.log(`${arg}: a vX.Y.Z tag on main, package.json and its lock at ${arg.slice(1)}, a CHANGELOG section with entries.`);
    return problems.length ? 1 : 0;
  }
  if (command === 'notes' && arg) {
    const notes = releaseNotes(fs.readFileSync('CHANGELOG.md', 'utf8'), arg.replace(/^v/, ''));
    if (notes === undefined) {
      console.error(`CHANGELOG.md has no section for ${arg}: run "release-check.ts tag ${arg}" first, it says what to add.`);
      return 1;
    }
    console.log(notes);
    return 0;
  }
  if (command === 'ci' && arg && file) {
    const verdict = ciVerdict(JSON.parse(fs.readFileSync(file, 'utf8')) as { workflow_runs: WorkflowRun[] }, arg);
    console.log(verdict.state === 'red' ? `::error::${verdict.message}` : verdict.message);
    return verdict.state === 'green' ? 0 : verdict.state === 'pending' ? PENDING_STATUS : 1;
  }
  console.error('usage: release-check.ts tag vX.Y.Z | notes vX.Y.Z | ci SHA RUNS.json');
  return 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(main(process.argv.slice(2)));
