// A STAND-IN for GitHub's cache service, on 127.0.0.1, for tests and the benchmark (the real one is
// only reachable from a GitHub-hosted job). It speaks what @actions/cache 6 speaks to the v2 cache
// service (ACTIONS_CACHE_SERVICE_V2 set, base URL in ACTIONS_RESULTS_URL):
// - twirp JSON calls, POST /twirp/github.actions.results.api.v1.CacheService/<Method>, with proto
//   field names (https://github.com/actions/toolkit/blob/main/packages/cache/src/generated/results/api/v1/cache.ts):
//   CreateCacheEntry {key, version} -> {ok, signed_upload_url};
//   FinalizeCacheEntryUpload {key, version, size_bytes} -> {ok, entry_id};
//   GetCacheEntryDownloadURL {key, restore_keys, version} -> {ok, signed_download_url, matched_key};
// - the upload the library sends to signed_upload_url with the Azure Storage SDK (BlockBlobClient
//   .uploadFile): Put Blob in one request up to 128 MiB, else Put Block + Put Block List
//   (https://learn.microsoft.com/rest/api/storageservices/put-block-list);
// - the download, a plain GET of signed_download_url (the library uses the Azure SDK only for hosts
//   under .blob.core.windows.net).
// Lookup follows the service's documented rules
// (https://docs.github.com/en/actions/reference/workflows-and-actions/dependency-caching#matching-a-cache-key):
// the exact key first, then each restore key as a prefix, newest entry first, and always the same
// version (the library's hash of the paths and compression). Entries are immutable.
// The library masks the `sig` parameter of signed URLs in the log (::add-mask::): here it is a
// random token, so the mask hides nothing else.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface StandinEntry {
  key: string;
  version: string;
  blob: string;
  committed: boolean;
  size: number;
  createdAt: number;
}

export interface CacheServiceStandin {
  /** The base URL, for ACTIONS_RESULTS_URL. */
  url: string;
  /** The token the stand-in accepts, for ACTIONS_RUNTIME_TOKEN. */
  token: string;
  /** "METHOD /path" of every request, in order. */
  requests: string[];
  entries: StandinEntry[];
  /** The bytes uploaded for an entry (the compressed tar @actions/cache made). */
  blob(entry: StandinEntry): Buffer | undefined;
  /** The environment a step needs to use this service (as the runner sets it for a JavaScript action). */
  env(): Record<string, string>;
  close(): Promise<void>;
}

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';

export async function startCacheServiceStandin(): Promise<CacheServiceStandin> {
  const token = `standin-${randomUUID()}`;
  const requests: string[] = [];
  const entries: StandinEntry[] = [];
  const blobs = new Map<string, Buffer>();
  const blocks = new Map<string, Map<string, Buffer>>();
  let base = '';
  let clock = 0;

  const body = (req: http.IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => resolve(Buffer.concat(parts)));
      req.on('error', reject);
    });
  const json = (res: http.ServerResponse, status: number, value: unknown) => {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
  };
  const twirpError = (res: http.ServerResponse, status: number, code: string, msg: string) => json(res, status, { code, msg });
  const blobHeaders = () => ({
    ETag: `"0x${(++clock).toString(16)}"`,
    'Last-Modified': new Date().toUTCString(),
    'x-ms-request-id': randomUUID(),
    'x-ms-version': '2025-01-05',
    'x-ms-request-server-encrypted': 'true',
  });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push(`${req.method} ${url.pathname}${url.searchParams.get('comp') ? `?comp=${url.searchParams.get('comp')}` : ''}`);
    try {
      if (url.pathname.startsWith(SERVICE) && req.method === 'POST') {
        if (req.headers.authorization !== `Bearer ${token}`) return twirpError(res, 401, 'unauthenticated', 'stand-in: wrong or missing bearer token');
        const msg = JSON.parse((await body(req)).toString('utf8') || '{}') as Record<string, unknown>;
        const method = url.pathname.slice(SERVICE.length);
        const key = String(msg.key ?? '');
        const version = String(msg.version ?? '');
        if (!key || !version) return twirpError(res, 400, 'invalid_argument', 'key and version are required');
        if (method === 'CreateCacheEntry') {
          if (entries.some((e) => e.key === key && e.version === version))
            return twirpError(res, 409, 'already_exists', 'cache entry with the same key, version, and scope already exists');
          const blob = randomUUID();
          entries.push({ key, version, blob, committed: false, size: 0, createdAt: ++clock });
          return json(res, 200, { ok: true, signed_upload_url: `${base}/standin/caches/${blob}?sig=${randomUUID()}` });
        }
        if (method === 'FinalizeCacheEntryUpload') {
          const e = entries.find((x) => x.key === key && x.version === version && !x.committed);
          const data = e && blobs.get(e.blob);
          if (!e || !data) return json(res, 200, { ok: false, message: 'stand-in: no uploaded entry to finalize' });
          if (String(msg.size_bytes) !== String(data.length))
            return json(res, 200, { ok: false, message: `stand-in: size_bytes ${msg.size_bytes} but ${data.length} bytes uploaded` });
          e.committed = true;
          e.size = data.length;
          return json(res, 200, { ok: true, entry_id: String(entries.indexOf(e) + 1) });
        }
        if (method === 'GetCacheEntryDownloadURL') {
          const ready = entries.filter((e) => e.committed && e.version === version).sort((a, b) => b.createdAt - a.createdAt);
          const restoreKeys = Array.isArray(msg.restore_keys) ? msg.restore_keys.map(String) : [];
          const found = ready.find((e) => e.key === key) ?? restoreKeys.map((p) => ready.find((e) => e.key.startsWith(p))).find(Boolean);
          if (!found) return json(res, 200, { ok: false });
          return json(res, 200, { ok: true, signed_download_url: `${base}/standin/caches/${found.blob}?sig=${randomUUID()}`, matched_key: found.key });
        }
        return twirpError(res, 404, 'bad_route', `no method ${method}`);
      }

      const blobMatch = /^\/standin\/caches\/([0-9a-f-]+)$/.exec(url.pathname);
      if (blobMatch) {
        const id = blobMatch[1];
        if (req.method === 'GET') {
          const data = blobs.get(id);
          if (!data) return res.writeHead(404).end();
          return res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length }).end(data);
        }
        if (req.method === 'PUT') {
          if (!entries.some((e) => e.blob === id && !e.committed)) return res.writeHead(403).end();
          const data = await body(req);
          const comp = url.searchParams.get('comp');
          if (comp === 'block') {
            const list = blocks.get(id) ?? new Map<string, Buffer>();
            list.set(url.searchParams.get('blockid') ?? '', data);
            blocks.set(id, list);
            return res.writeHead(201, { ...blobHeaders(), 'Content-Length': 0 }).end();
          }
          if (comp === 'blocklist') {
            const ids = [...data.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map((m) => m[1]);
            const list = blocks.get(id) ?? new Map<string, Buffer>();
            if (ids.some((b) => !list.has(b))) return res.writeHead(400).end();
            blobs.set(id, Buffer.concat(ids.map((b) => list.get(b)!)));
            blocks.delete(id);
            return res.writeHead(201, { ...blobHeaders(), 'Content-Length': 0 }).end();
          }
          blobs.set(id, data); // Put Blob, x-ms-blob-type: BlockBlob
          return res.writeHead(201, { ...blobHeaders(), 'Content-Length': 0 }).end();
        }
      }
      res.writeHead(404, { 'Content-Length': 0 }).end();
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/`,
    token,
    requests,
    entries,
    blob: (entry) => blobs.get(entry.blob),
    env: () => ({ ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: `${base}/`, ACTIONS_RUNTIME_TOKEN: token }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
