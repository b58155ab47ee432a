// Temporary folders of the tests (cargo target folders, run folders), removed when the test file's
// process ends, whichever way it ends: after `npm test` nothing big is left in the temp folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];
let hooked = false;

export function removeTempDirs(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** A new folder under the temp folder, removed when this process exits. */
export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  if (!hooked) {
    hooked = true;
    process.on('exit', removeTempDirs);
  }
  return d;
}
