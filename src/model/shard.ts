import { createHash } from 'node:crypto';

/** One share of a test suite: shard `index` of `total` (1 ≤ index ≤ total), the `shard` input. */
export interface Shard {
  index: number;
  total: number;
}

/**
 * The shard (1..total) a test executable belongs to: a hash of its stable key (package, kind and
 * name, never the hashed file name cargo gives it), modulo the number of shards. As with
 * cargo-nextest's hashed sharding, `--partition hash:K/N`, whose hash is of the binary's id and the
 * test's name (https://nexte.st/docs/ci-features/partitioning), each key's shard depends on that
 * key and N alone: adding an executable moves no other one, and every leg of a matrix computes the
 * same assignment without talking to the others.
 */
export function shardOf(key: string, total: number): number {
  const digest = createHash('sha256').update(key).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(total)) + 1;
}
