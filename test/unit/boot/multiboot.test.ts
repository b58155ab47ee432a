import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPlainMultibootPath, linkMultibootFile, multibootPath, plainMultibootPaths } from '../../../src/boot/multiboot.js';
import { tempDir } from '../../helpers/tmp.js';

const ctx = (kernel: string, workDir: string) => ({ kernel, workDir, accel: 'tcg' as const, assets: {}, image: 'elf' as const });

test('plain paths are booted as they are; a space, a comma or an = is not plain', () => {
  for (const p of ['/a/b/uk-hello_qemu-x86_64', 'rel/k.elf', '/t/x+y@1%']) assert.ok(isPlainMultibootPath(p), p);
  for (const p of ['/a b/k', '/a/k,v2', '/a/k\tx', '/a/x=1', "/a/it's"]) assert.ok(!isPlainMultibootPath(p), p);
  assert.equal(multibootPath('/a/b/k', '/w'), '/a/b/k');
  // What a dry run names before it is a file: a download's URL, a placeholder.
  for (const p of ['https://github.com/hermit-os/loader/releases/download/v0.5.7/hermit-loader-x86_64-multiboot', '<the executable cargo builds>'])
    assert.equal(multibootPath(p, '/w'), p);
});

test('an unplain path gets a link in the scratch folder: the name made plain, a hash of the whole path in front', () => {
  const a = multibootPath('/x/my kernels/uk hello', '/w');
  assert.match(a, /^\/w\/multiboot\/[0-9a-f]{8}-uk_hello$/);
  // Two files with the same name in different folders never share a link.
  assert.notEqual(multibootPath('/y/my kernels/uk hello', '/w'), a);
  assert.equal(multibootPath('/x/my kernels/uk hello', '/w'), a, 'the same file names the same link (load and prepare agree)');
  // A scratch folder that is not plain itself: the link goes in the temp folder.
  assert.ok(isPlainMultibootPath(multibootPath('/x/a b', '/scratch with space')));
});

test('linkMultibootFile creates the link load named, pointing at the file; a plain file is left alone', () => {
  const dir = tempDir('multiboot-');
  const file = path.join(dir, 'my kernels', 'uk hello');
  fs.mkdirSync(path.dirname(file));
  fs.writeFileSync(file, 'image');
  const work = path.join(dir, 'work');
  const link = linkMultibootFile(file, work);
  assert.equal(link, multibootPath(file, work));
  assert.equal(fs.readFileSync(link, 'utf8'), 'image');
  assert.equal(fs.realpathSync(link), fs.realpathSync(file));
  // Again (a second boot, e.g. the TCG retry): replaced, not an error.
  assert.equal(linkMultibootFile(file, work), link);
  const plain = path.join(dir, 'plain');
  fs.writeFileSync(plain, 'x');
  assert.equal(linkMultibootFile(plain, work), plain);
});

test("plainMultibootPaths: load names links for -kernel and -initrd, prepare creates them after the family's own prepare", () => {
  const dir = tempDir('multiboot-');
  const app = path.join(dir, 'my app');
  const loader = path.join(dir, 'loader');
  fs.writeFileSync(app, 'app');
  fs.writeFileSync(loader, 'loader');
  const order: string[] = [];
  const q = plainMultibootPaths({ load: (c) => ({ kernel: loader, initrd: c.kernel, devices: ['d'] }), prepare: () => void order.push('own') });
  const c = ctx(app, path.join(dir, 'work'));
  const l = q.load(c);
  assert.equal(l.kernel, loader);
  assert.match(l.initrd!, /\/work\/multiboot\/[0-9a-f]{8}-my_app$/);
  assert.deepEqual(l.devices, ['d']);
  assert.ok(!fs.existsSync(l.initrd!), 'load creates nothing');
  q.prepare!(c);
  assert.deepEqual(order, ['own']);
  assert.equal(fs.readFileSync(l.initrd!, 'utf8'), 'app');
});
