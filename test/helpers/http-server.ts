import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  base: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/** Points @actions/tool-cache at a fresh tool cache and temp folder (as the runner's RUNNER_* do); returns the folder. */
export function freshToolCache(prefix: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.env.RUNNER_TOOL_CACHE = path.join(tmp, 'toolcache');
  process.env.RUNNER_TEMP = path.join(tmp, 'temp');
  return tmp;
}

/** A local HTTP server on 127.0.0.1 serving test files: path -> [status, body]. */
export async function serve(routes: Record<string, [number, string | Buffer]>): Promise<TestServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const route = routes[(req.url ?? '').split('?')[0]];
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(route[0], { 'Content-Type': 'application/octet-stream' }).end(route[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
