// Byte-level scans of blocks of whole serial lines, for the watcher's fast path: counting newlines
// and cleaning escape codes. WebAssembly SIMD (wasm/scan.wat) where the runtime has it; the plain
// JavaScript versions below are the reference (tests compare them) and the fallback.
import { WASM } from './wasm/scan.js';

/** One indexOf call per line: about 3 GB/s on the development machine. */
export function countByIndexOf(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) n++;
  return n;
}

let scratch = Buffer.alloc(64 * 1024);

/**
 * cleanLine() (watcher.ts) for a block of whole lines, on bytes: what it returns (a view of a
 * shared buffer, valid until the next call) is the UTF-8 of the cleaned lines joined by newlines,
 * whenever the block is valid UTF-8. The same rules as cleanLine's ANSI expression, none of which
 * crosses a newline. This is the reference for scan.wat's `clean`, and the fallback without it.
 */
export function cleanBlockJs(b: Uint8Array): Buffer {
  if (scratch.length < b.length) scratch = Buffer.alloc(b.length);
  const out = scratch;
  const n = b.length;
  let o = 0;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c > 0x1b && c !== 0x7f) {
      out[o++] = c; // the common case first: a byte that is kept
      i++;
      continue;
    }
    if (c === 0x1b) {
      const d = i + 1 < n ? b[i + 1] : -1;
      if (d === 0x5b) {
        // CSI: ESC [ parameters (0x30-0x3f)* intermediates (0x20-0x2f)* final (0x40-0x7e)
        let j = i + 2;
        while (j < n && b[j] >= 0x30 && b[j] <= 0x3f) j++;
        while (j < n && b[j] >= 0x20 && b[j] <= 0x2f) j++;
        if (j < n && b[j] >= 0x40 && b[j] <= 0x7e) {
          i = j + 1;
          continue;
        }
      } else if (d === 0x5d) {
        // OSC: ESC ] text up to BEL or ST (ESC \); unterminated, up to the next ESC or the line's end
        let j = i + 2;
        while (j < n && b[j] !== 0x07 && b[j] !== 0x1b && b[j] !== 0x0a) j++;
        if (j < n && b[j] === 0x07) j++;
        else if (j + 1 < n && b[j] === 0x1b && b[j + 1] === 0x5c) j += 2;
        i = j;
        continue;
      } else if (d >= 0x40 && d <= 0x5f) {
        i += 2; // two-byte escape (ESC [ that is not a CSI was handled above and stays)
        continue;
      }
      out[o++] = c;
      i++;
      continue;
    }
    if (c !== 0x00 && c !== 0x0d && c !== 0x7f) out[o++] = c;
    i++;
  }
  return out.subarray(0, o);
}

interface Scan {
  countNewlines(b: Buffer): number;
  cleanBlock(b: Buffer): Buffer;
}

/** The WebAssembly module, its memory grown to fit the largest block: input at 0, output after it. */
function wasmScan(): Scan | undefined {
  let exports: { mem: WebAssembly.Memory; count: (at: number, n: number) => number; clean: (n: number, out: number) => number };
  try {
    exports = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(WASM, 'base64'))).exports as typeof exports;
  } catch {
    return undefined; // no WebAssembly SIMD here
  }
  let mem = Buffer.from(exports.mem.buffer);
  const load = (b: Buffer): void => {
    const need = 2 * b.length + 32; // the block, its cleaned copy, and 16 bytes of room for a SIMD store
    if (mem.length < need) {
      exports.mem.grow(Math.ceil((need - mem.length) / 65536));
      mem = Buffer.from(exports.mem.buffer);
    }
    mem.set(b, 0);
  };
  return {
    countNewlines(b) {
      // A block cleaned here (cleaning keeps every newline) is counted where it lies.
      if (b.buffer === mem.buffer) return exports.count(b.byteOffset, b.length);
      load(b);
      return exports.count(0, b.length);
    },
    cleanBlock(b) {
      load(b);
      const out = b.length + 16;
      return mem.subarray(out, out + exports.clean(b.length, out));
    },
  };
}

const wasm = wasmScan();
/** Which implementation this runtime got (for tests and the benchmark). */
export const scanKind: 'wasm-simd' | 'javascript' = wasm ? 'wasm-simd' : 'javascript';
/** Newline bytes in the block. */
export const countNewlines: (b: Buffer) => number = wasm ? wasm.countNewlines : countByIndexOf;
/** cleanBlockJs's result, faster; valid until the next call. */
export const cleanBlock: (b: Buffer) => Buffer = wasm ? wasm.cleanBlock : cleanBlockJs;
