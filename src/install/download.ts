import * as core from '@actions/core';
import { HttpClient } from '@actions/http-client';
import * as tc from '@actions/tool-cache';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ActionError, InfraError } from '../model/errors.js';
import type { RunnerEnv } from '../model/runner-env.js';

/** One file the action downloads for a target (a loader, a tool's release archive, firmware). */
export interface Asset {
  /** Tool-cache name, e.g. hermit-loader-x86_64. */
  tool: string;
  version: string;
  url: string;
  /** Name of the file once cached. */
  fileName: string;
  /**
   * Expected SHA-256 (hex), or where to find it. The download is refused when it does not match,
   * and when no checksum can be had at all.
   */
  sha256: string | { githubRelease: GithubReleaseRef; checksums?: ChecksumsFile } | PublishedSha256;
  /** Why the action needs this file, added to any error getting it (e.g. why the system's own is not enough). */
  why?: string;
}

/** A checksum the publisher serves next to the file (rustup's `rustup-init.sha256`: `<sha256>  <name>`). */
export interface PublishedSha256 {
  sha256Url: string;
}

/**
 * A checksums file the publisher ships with the release (goreleaser's `<project>_<version>_checksums.txt`:
 * `<sha256>  <file name>` lines): used when GitHub's API cannot be reached or publishes no digest.
 */
export interface ChecksumsFile {
  url: string;
}

/** Where GitHub serves releases and their metadata (tests point these at a local server). */
export interface ReleaseHosts {
  /** https://github.com (release downloads). */
  download: string;
  /** https://api.github.com (the releases API, for the published digest). */
  api: string;
}
export const GITHUB: ReleaseHosts = { download: 'https://github.com', api: 'https://api.github.com' };

/** Is the runner's own server github.com (not GitHub Enterprise Server or GHE.com)? GITHUB_SERVER_URL says which. */
const onGithubCom = (env: NodeJS.ProcessEnv) => (env.GITHUB_SERVER_URL || GITHUB.download).replace(/\/$/, '') === GITHUB.download;

/**
 * Where the upstream releases (all on github.com) and their API are, as this runner reaches them: the
 * API base is the runner's GITHUB_API_URL when its server is github.com (the same API, maybe reached
 * otherwise); a GHES runner's GITHUB_API_URL is its own server's, which has none of these releases.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/variables#default-environment-variables
 */
export function githubHosts(env: NodeJS.ProcessEnv): ReleaseHosts {
  return onGithubCom(env) && env.GITHUB_API_URL ? { download: GITHUB.download, api: env.GITHUB_API_URL } : GITHUB;
}

/**
 * A file of a GitHub release (tag `v<version>`), checked against `sha256` when given, else against
 * the sha256 digest GitHub publishes for the asset. `hosts`: githubHosts of the runner's environment.
 */
export function githubReleaseAsset(
  r: { tool: string; owner: string; repo: string; version: string; fileName: string; sha256?: string; checksumsFile?: string },
  hosts: ReleaseHosts,
): Asset {
  const tag = `v${r.version}`;
  const base = `${hosts.download.replace(/\/$/, '')}/${r.owner}/${r.repo}/releases/download/${tag}`;
  return {
    tool: r.tool,
    version: r.version,
    url: `${base}/${r.fileName}`,
    fileName: r.fileName,
    sha256: r.sha256 || {
      githubRelease: { api: hosts.api, owner: r.owner, repo: r.repo, tag, asset: r.fileName },
      ...(r.checksumsFile ? { checksums: { url: `${base}/${r.checksumsFile}` } } : {}),
    },
  };
}

/** How often and how long apart a failed request is tried again (tests inject a fast one). */
export interface RetryPolicy {
  attempts: number;
  /** The wait before attempt `n` + 1 (n >= 1). */
  delayMs: (n: number) => number;
}

/** Three attempts, 10 to 20 s apart: @actions/tool-cache's downloadTool policy. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, delayMs: () => 10_000 + Math.floor(Math.random() * 10_000) };

/** Statuses worth another try (as tool-cache's: server errors, timeouts, rate limits). */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * The token for GitHub's API when the caller has none (the `token` input is parsed with the others):
 * GITHUB_TOKEN, on github.com only. A GHES runner's token is its own server's: sent to api.github.com it
 * is refused (401) where no token at all would have been answered. As setup-node's default,
 * `${{ github.server_url == 'https://github.com' && github.token || '' }}`
 * (https://github.com/actions/setup-node/blob/main/action.yml).
 */
export function githubToken(env: NodeJS.ProcessEnv): string {
  return onGithubCom(env) ? env.GITHUB_TOKEN || '' : '';
}

const USER_AGENT = 'unikernel-boot-action';

/**
 * One GET through @actions/http-client, which honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY as the runner
 * sets them (https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/using-a-proxy-server-with-self-hosted-runners).
 * Retries are ours (RetryPolicy), so the client's own are off.
 */
function client(): HttpClient {
  return new HttpClient(USER_AGENT, [], { allowRetries: false, socketTimeout: 60_000 });
}

/** The checksum for `fileName` in a sha256sum-style checksums file (`<hex>  <name>` or `<hex> *<name>`). */
export function checksumFromFile(text: string, fileName: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/.exec(line.trim());
    if (m && m[2] === fileName) return m[1].toLowerCase();
  }
  return undefined;
}

/**
 * The API could not answer (no connection, rate limit, server error): another source of the
 * checksum may be used. The runner's fault, not the guest's: result `error`.
 */
class ApiUnavailable extends InfraError {
  constructor(message: string) {
    super(message, 'download');
  }
}

export interface GithubReleaseRef {
  /** API base, https://api.github.com unless overridden (tests point it at a local server). */
  api: string;
  owner: string;
  repo: string;
  tag: string;
  asset: string;
}

/** What a dry run reports about an asset, without downloading it. */
export interface AssetPlan {
  tool: string;
  version: string;
  url: string;
  checksum: string;
  cached?: string;
}

const sha256File = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The digest GitHub publishes for a release asset (`"digest": "sha256:..."` in the releases API). */
export async function githubAssetDigest(ref: GithubReleaseRef, token: string): Promise<string> {
  const url = `${ref.api.replace(/\/$/, '')}/repos/${ref.owner}/${ref.repo}/releases/tags/${encodeURIComponent(ref.tag)}`;
  const headers: Record<string, string> = { Accept: 'application/vnd.github+json', 'User-Agent': 'unikernel-boot-action' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let status: number;
  let text: string;
  try {
    const res = await client().get(url, headers);
    status = res.message.statusCode ?? 0;
    text = await res.readBody();
  } catch (e) {
    throw new ApiUnavailable(`Could not reach ${url} to read the checksum of ${ref.asset}: ${(e as Error).message}.`);
  }
  if (retryable(status) || status === 403 || status === 401) {
    // 403 and 429 are GitHub's rate limits (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api);
    // 401 is a token the API does not take (a GHES runner's, or an expired one).
    const why =
      status === 401
        ? ' (the token was refused: give the token input one for github.com, or none)'
        : status === 403 || status === 429
          ? ' (rate limited: give the token input a token)'
          : '';
    throw new ApiUnavailable(`${url} answered HTTP ${status} when asked for the checksum of ${ref.asset}${why}.`);
  }
  if (status < 200 || status >= 300) {
    throw new InfraError(
      `${url} answered HTTP ${status} when asked for release ${ref.tag} of ${ref.owner}/${ref.repo}; check the version, or give the file's sha256 yourself.`,
      'download',
    );
  }
  let body: { assets?: { name: string; digest?: string | null }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new ApiUnavailable(`${url} answered with something other than JSON when asked for the checksum of ${ref.asset}.`);
  }
  const asset = body.assets?.find((a) => a.name === ref.asset);
  if (!asset) {
    throw new ActionError(
      `Release ${ref.tag} of ${ref.owner}/${ref.repo} has no asset named ${ref.asset} (it has: ${(body.assets ?? []).map((a) => a.name).join(', ') || 'none'}).`,
    );
  }
  const m = /^sha256:([0-9a-f]{64})$/i.exec(asset.digest ?? '');
  if (!m) {
    throw new ApiUnavailable(
      `GitHub publishes no sha256 digest for ${ref.asset} in ${ref.owner}/${ref.repo} ${ref.tag}; give the file's sha256 yourself to use it.`,
    );
  }
  return m[1].toLowerCase();
}

async function expectedSha256(a: Asset, retry: RetryPolicy, token: string, temp: string): Promise<string> {
  if (typeof a.sha256 === 'string') {
    if (!/^[0-9a-f]{64}$/i.test(a.sha256)) throw new ActionError(`The sha256 given for ${a.tool} is not 64 hex digits: '${a.sha256}'.`);
    return a.sha256.toLowerCase();
  }
  if ('sha256Url' in a.sha256) {
    const url = a.sha256.sha256Url;
    let text: string;
    try {
      text = await fetchText(url, retry, temp);
    } catch (e) {
      throw new InfraError(`Could not download the checksum of ${a.tool} from ${url}: ${(e as Error).message}; nothing was downloaded.`, 'download');
    }
    const m = /^\s*([0-9a-fA-F]{64})(\s|$)/.exec(text);
    if (!m) throw new InfraError(`${url} holds no sha256 (64 hex digits first); nothing was downloaded.`, 'download');
    return m[1].toLowerCase();
  }
  const { githubRelease, checksums } = a.sha256;
  try {
    return await githubAssetDigest(githubRelease, token);
  } catch (e) {
    if (!(e instanceof ApiUnavailable) || !checksums) throw e;
    core.info(`${e.message.replace(/\.$/, '')}: using the publisher's checksums file ${checksums.url} instead.`);
    let text: string;
    try {
      text = await fetchText(checksums.url, retry, temp);
    } catch (e2) {
      throw new InfraError(
        `${e.message} The publisher's checksums file could not be had either (${(e2 as Error).message}); nothing was downloaded. Give the file's sha256 yourself, or try again later.`,
        'download',
      );
    }
    const sum = checksumFromFile(text, githubRelease.asset);
    if (!sum) throw new ActionError(`${checksums.url} lists no checksum for ${githubRelease.asset}; nothing was downloaded. Give the file's sha256 yourself.`);
    return sum;
  }
}

class HttpStatus extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * Does anything answer at the URL within the time? Any HTTP answer counts: only a network error (or
 * silence) means it cannot be reached. Through the proxy, as the downloads are.
 */
export async function probeUrl(url: string, timeoutMs: number): Promise<{ ok: true } | { ok: false; why: string }> {
  const c = new HttpClient(USER_AGENT, [], { allowRetries: false, socketTimeout: timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), timeoutMs);
  });
  try {
    const res = await Promise.race([c.head(url), silence]);
    res.message.resume();
    return { ok: true };
  } catch (e) {
    const err = e as Error & { code?: string };
    const why = err.code === 'TIMEOUT' || /timeout/i.test(err.message) ? `no answer within ${timeoutMs / 1000} s` : (err.code ?? err.message);
    return { ok: false, why };
  } finally {
    clearTimeout(timer);
    c.dispose();
  }
}

/** GETs a URL into a file (streamed, not held in memory), once; an HttpStatus or the connection's Error when it fails. */
async function downloadOnce(url: string, file: string): Promise<void> {
  const res = await client().get(url, { 'User-Agent': USER_AGENT });
  const status = res.message.statusCode ?? 0;
  if (status !== 200) {
    res.message.resume();
    throw new HttpStatus(status);
  }
  await pipeline(res.message, fs.createWriteStream(file));
}

/** GETs a URL into a file, trying again on connection failures and retryable statuses; an Error saying why not. */
async function downloadWithRetry(url: string, file: string, retry: RetryPolicy): Promise<void> {
  for (let n = 1; ; n++) {
    let err: Error;
    try {
      await downloadOnce(url, file);
      return;
    } catch (e) {
      fs.rmSync(file, { force: true });
      if (e instanceof HttpStatus && !retryable(e.status)) throw e;
      err = e as Error;
    }
    if (n >= retry.attempts) throw new Error(`${err.message}${retry.attempts > 1 ? ` (after ${retry.attempts} attempts)` : ''}`);
    const wait = retry.delayMs(n);
    core.info(`${url}: ${err.message}; trying again in ${Math.round(wait / 1000)} s`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** GETs a small text file (a checksums file) with downloadWithRetry, through a folder under `temp` (RunnerEnv.temp). */
async function fetchText(url: string, retry: RetryPolicy, temp: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(tempRoot(temp), 'text-'));
  try {
    const file = path.join(dir, 'body');
    await downloadWithRetry(url, file, retry);
    return fs.readFileSync(file, 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** RunnerEnv.temp (RUNNER_TEMP, else the system's temporary folder), made if missing. */
function tempRoot(temp: string): string {
  fs.mkdirSync(temp, { recursive: true });
  return temp;
}

/** Where the asset already is in the tool cache (a second run on the same runner), if it is. */
export function cachedAsset(a: Asset, env: RunnerEnv): string | undefined {
  // No tool cache outside a runner. tc.find reads RUNNER_TOOL_CACHE from process.env itself (and
  // throws without it): the same value as env.toolCache, which main.ts read from process.env.
  if (!env.toolCache) return undefined;
  const dir = tc.find(a.tool, a.version);
  const file = dir ? path.join(dir, a.fileName) : '';
  return dir && fs.existsSync(file) ? file : undefined;
}

export function describeAsset(a: Asset, env: RunnerEnv): AssetPlan {
  const r = a.sha256;
  return {
    tool: a.tool,
    version: a.version,
    url: a.url,
    checksum:
      typeof r === 'string'
        ? `sha256 ${r}`
        : 'sha256Url' in r
          ? `sha256 published at ${r.sha256Url}`
          : `sha256 published by GitHub for ${r.githubRelease.owner}/${r.githubRelease.repo} ${r.githubRelease.tag} ${r.githubRelease.asset}${r.checksums ? ` (else from ${r.checksums.url})` : ''}`,
    cached: cachedAsset(a, env),
  };
}

/**
 * Returns the path of the asset: from the tool cache when a run on this runner fetched it before,
 * else downloaded, checked against its SHA-256 (fails closed on a mismatch or a missing checksum),
 * and cached. A file that fails the check is deleted, never cached. `env`: the runner's environment
 * (the tool cache, the scratch folder, and GITHUB_TOKEN when no token is given).
 */
export async function fetchAsset(a: Asset, env: RunnerEnv, retry: RetryPolicy = DEFAULT_RETRY, token = githubToken(env.vars)): Promise<string> {
  try {
    return await fetchVerified(a, env, retry, token);
  } catch (e) {
    // Say why the file was needed, so a failed download names what the action had and what it lacked.
    if (a.why && e instanceof Error) e.message = `${e.message.replace(/\.?$/, '.')} It was needed because ${a.why}.`;
    throw e;
  }
}

async function fetchVerified(a: Asset, env: RunnerEnv, retry: RetryPolicy, token: string): Promise<string> {
  const hit = cachedAsset(a, env);
  if (hit) {
    core.info(`${a.tool} ${a.version}: from the tool cache (${hit})`);
    return hit;
  }
  const expected = await expectedSha256(a, retry, token, env.temp);
  core.info(`Downloading ${a.tool} ${a.version} from ${a.url}`);
  const tmpDir = fs.mkdtempSync(path.join(tempRoot(env.temp), 'download-'));
  const file = path.join(tmpDir, a.fileName);
  try {
    await downloadWithRetry(a.url, file, retry);
  } catch (e) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw new InfraError(
      `Could not download ${a.tool} ${a.version} from ${a.url}: ${(e as Error).message}. Check the version, or give another path or URL.`,
      'download',
    );
  }
  const actual = sha256File(file);
  if (actual !== expected) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw new InfraError(
      `The download of ${a.tool} ${a.version} from ${a.url} does not match its checksum (expected sha256 ${expected}, got ${actual}); it was deleted and not used.`,
      'download',
    );
  }
  const dir = await tc.cacheFile(file, a.fileName, a.tool, a.version);
  fs.rmSync(tmpDir, { recursive: true, force: true });
  core.info(`${a.tool} ${a.version}: sha256 ${actual} verified, cached in ${dir}`);
  return path.join(dir, a.fileName);
}

/**
 * Unpacks a fetched .tar.gz (or, with flags, .tar.xz) asset once per runner: the unpacked folder is tool-cached as `tool`
 * (same version as the archive), so a second run reuses it. Fails when a file the caller needs
 * is missing from the archive.
 */
export async function extractTarAsset(
  archive: string,
  a: Asset,
  tool: string,
  required: string[],
  /** tar's flags (`xJ` for .tar.xz), and which of the required files are programs (default: all). */
  opts: { flags?: string; executables?: string[] } = {},
): Promise<string> {
  let dir = tc.find(tool, a.version);
  if (!dir) {
    let tmp: string;
    try {
      tmp = await tc.extractTar(archive, undefined, opts.flags ?? 'xz');
    } catch (e) {
      throw new InfraError(`Could not unpack ${path.basename(archive)} (${a.tool} ${a.version}): ${(e as Error).message}`, 'download');
    }
    dir = await tc.cacheDir(tmp, tool, a.version);
    fs.rmSync(tmp, { recursive: true, force: true });
    core.info(`${tool} ${a.version}: unpacked into ${dir}`);
  }
  const missing = required.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) {
    throw new ActionError(
      `The archive of ${a.tool} ${a.version} (${a.url}) has no ${missing.join(', ')}; check the version, or install the tools yourself and use the matching input.`,
    );
  }
  for (const f of opts.executables ?? required) fs.chmodSync(path.join(dir, f), 0o755);
  return dir;
}
