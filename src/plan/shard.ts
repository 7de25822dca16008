// `--shard i/n` (design §6): a pure function of a stream's ids, so the same connection always lands
// in the same shard, and changing n only moves connections between shards.
import { createHash } from "node:crypto";
import type { Shard } from "../domain.js";

export function shardOf(key: string, count: number): number {
  return createHash("sha256").update(key).digest().readUInt32BE(0) % count;
}

export function inShard(key: string, shard: Shard | undefined): boolean {
  return shard === undefined || shardOf(key, shard.count) === shard.index;
}
