// The real upstream images (../shared/images, see test/helpers/images.ts) for `npm run bench`: each
// booted through the bundled action (dist/index.js, default inputs, TCG) and by hand with the same
// QEMU line (the README's hand-boot lines; riscv64 seL4 with the action's entry stub, since the
// upstream image does not start on stock QEMU otherwise), median wall time of `runs` each. A guest
// that never exits (seL4) is stopped by hand when its success line appears, as the action does.
//
// Call from scripts/bench.ts:   const rows = await benchImages({ runs: 3 });
// Run alone:                    node --import tsx scripts/bench-images.ts [runs]
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { runAction } from '../test/helpers/action.js';
import { image, imagesDir } from '../test/helpers/images.js';
import { tempDir } from '../test/helpers/tmp.js';
import { prepareEntry } from '../src/targets/sel4/riscv-entry.js';

interface Case {
  name: string;
  inputs: () => Record<string, string>;
  hand: () => string[];
  /** The line the hand boot waits for (then QEMU is stopped), or undefined: QEMU exits by itself. */
  until?: RegExp;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function handBoot(argv: string[], until?: RegExp): Promise<number> {
  const t0 = performance.now();
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`${argv.join(' ')}: no ${until} in 60 s`))), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('latin1');
      if (until?.test(out)) child.kill('SIGTERM');
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve((performance.now() - t0) / 1000);
    });
  });
}

const SEL4 = (arch: string) => path.join(image(`sel4/${arch}/prefix`), 'prefix');

const CASES: Case[] = [
  {
    name: 'Hermit x86_64 hello',
    inputs: () => ({
      target: 'x86_64-unknown-hermit',
      kernel: image('hermit-x86_64/hermit-hello'),
      'hermit-loader': image('hermit-x86_64/hermit-loader-x86_64'),
      accel: 'tcg',
    }),
    hand: () =>
      `qemu-system-x86_64 -display none -serial stdio -kernel ${image('hermit-x86_64/hermit-loader-x86_64')} -initrd ${image('hermit-x86_64/hermit-hello')} -accel tcg -cpu Skylake-Client -device isa-debug-exit,iobase=0xf4,iosize=0x04 -smp 1 -m 1024M -global virtio-mmio.force-legacy=off`.split(
        ' ',
      ),
  },
  {
    name: 'Hermit aarch64 hello',
    inputs: () => ({
      target: 'aarch64-unknown-hermit',
      kernel: image('hermit-aarch64/hermit-hello'),
      'hermit-loader': image('hermit-aarch64/hermit-loader-aarch64'),
    }),
    hand: () =>
      `qemu-system-aarch64 -accel tcg -machine virt,gic-version=3 -cpu max,lpa2=off -m 1024M -smp 1 -display none -serial stdio -semihosting -kernel ${image('hermit-aarch64/hermit-loader-aarch64')} -device guest-loader,addr=0x48000000,initrd=${image('hermit-aarch64/hermit-hello')}`.split(
        ' ',
      ),
  },
  {
    name: 'seL4 aarch64 root task (upstream image)',
    inputs: () => ({ target: 'aarch64-sel4', kernel: image('sel4/aarch64/image-pass.elf'), 'sel4-prefix': SEL4('aarch64') }),
    hand: () =>
      `qemu-system-aarch64 -machine virt,virtualization=on -cpu cortex-a57 -m 1024M -display none -serial stdio -kernel ${image('sel4/aarch64/image-pass.elf')}`.split(
        ' ',
      ),
    until: /TEST_PASS/,
  },
  {
    name: 'seL4 riscv64 root task (upstream image)',
    inputs: () => ({ target: 'riscv64imac-sel4', kernel: image('sel4/riscv64/image-pass.upstream.elf'), 'sel4-prefix': SEL4('riscv64') }),
    hand: () => {
      const img = image('sel4/riscv64/image-pass.upstream.elf');
      const stub = path.join(tempDir('bench-stub-'), 'stub.elf');
      prepareEntry(img, stub);
      return `qemu-system-riscv64 -machine virt -cpu rv64 -m 3072M -display none -serial stdio -device loader,file=${img} -kernel ${stub}`.split(' ');
    },
    until: /TEST_PASS/,
  },
  {
    name: 'seL4 x86_64 root task',
    inputs: () => ({ target: 'x86_64-sel4', kernel: image('sel4/x86_64/roottask-pass.elf'), 'sel4-prefix': SEL4('x86_64') }),
    hand: () => {
      const k32 = path.join(tempDir('bench-k32-'), 'kernel32.elf');
      execFileSync('objcopy', ['-O', 'elf32-i386', path.join(SEL4('x86_64'), 'bin', 'kernel.elf'), k32]);
      return [
        ...'qemu-system-x86_64 -cpu Nehalem,-vme,+pdpe1gb,-xsave,-xsaveopt,-xsavec,-fsgsbase,-invpcid,+syscall,+lm,enforce -m 512M -display none -serial stdio'.split(
          ' ',
        ),
        '-kernel',
        k32,
        '-initrd',
        image('sel4/x86_64/roottask-pass.elf'),
      ];
    },
    until: /TEST_PASS/,
  },
];

export async function benchImages({ runs = 3 } = {}): Promise<string[]> {
  if (!imagesDir()) return ['## 8. Real upstream images', '', 'Skipped: no ../shared/images folder.', ''];
  const rows: string[] = [];
  for (const c of CASES) {
    const action: number[] = [];
    const hand: number[] = [];
    const argv = c.hand();
    for (let i = 0; i < runs; i++) {
      const r = await runAction({ timeout: '60', ...c.inputs() });
      if (r.outputs.result !== 'pass') throw new Error(`${c.name}: ${r.outputs.reason}`);
      action.push(r.seconds);
      hand.push(await handBoot(argv, c.until));
    }
    const a = median(action);
    const h = median(hand);
    rows.push(`| ${c.name} | ${a.toFixed(2)} s | ${h.toFixed(2)} s | ${(a / h).toFixed(2)} |`);
    console.log(rows[rows.length - 1]);
  }
  return [
    '## 8. Real upstream images: through the action against QEMU by hand',
    '',
    `The images of ../shared/images (Hermit 0.13.2 + loader 0.5.6, rust-sel4 v5.0.0 on seL4 16.0.0), QEMU TCG, median of ${runs} runs each. Through the action: the whole step of dist/index.js under default inputs (prebuilt kernel: nothing to build; the verdict, QMP, the log). By hand: the same QEMU line, stopped when the success line appears for seL4 guests, which never exit.`,
    '',
    '| image | through the action | QEMU by hand | ratio |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchImages({ runs: Number(process.argv[2] ?? 3) });
  console.log(rows.join('\n'));
}
