import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDir } from './tmp.js';

export interface TestServer {
  base: string;
  /** Paths requested so far. */
  requests: string[];
  /** The Authorization header of each request ('' when none), in the same order. */
  auth: string[];
  close(): Promise<void>;
}

/** Points @actions/tool-cache at a fresh tool cache and temp folder (as the runner's RUNNER_* do); returns the folder. */
export function freshToolCache(prefix: string): string {
  const tmp = tempDir(prefix);
  process.env.RUNNER_TOOL_CACHE = path.join(tmp, 'toolcache');
  process.env.RUNNER_TEMP = path.join(tmp, 'temp');
  return tmp;
}

type Answer = [number, string | Buffer];

/** A local HTTP server on 127.0.0.1 serving test files: path -> [status, body], or a list of answers given in turn (the last one repeats). */
export async function serve(routes: Record<string, Answer | Answer[]>): Promise<TestServer> {
  const served: Record<string, number> = {};
  const requests: string[] = [];
  const auth: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    auth.push(req.headers.authorization ?? '');
    const key = (req.url ?? '').split('?')[0];
    const answers = routes[key];
    const n = (served[key] = (served[key] ?? 0) + 1);
    const route = answers && (Array.isArray(answers[0]) ? (answers as Answer[])[Math.min(n, answers.length) - 1] : (answers as Answer));
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
    auth,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
