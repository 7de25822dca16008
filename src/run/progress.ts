// Which buckets of one stream are done, in one small array: per bucket of the stream's plan, how many
// of its parts were accepted, or that one failed. A Set of bucket starts plus a Map of part counts per
// stream held ~1 KB per connection for the whole run; this holds one byte per planned bucket, in slices
// of a few shared blocks (a typed array of its own per stream cost ~120 bytes of headers for ~10 bytes).
import type { StreamPlan } from "../plan/schedule.js";
import { spanOf } from "./plan.js";

const FAILED = 255;

/** Hands out zeroed slices of shared blocks, so that 10 000 streams' counts take a few allocations. */
export class ProgressArena {
  private block = new Uint8Array(0);
  private used = 0;

  constructor(private readonly blockBytes = 64 * 1024) {}

  take(length: number): { bytes: Uint8Array; offset: number } {
    if (length > this.blockBytes / 4) return { bytes: new Uint8Array(length), offset: 0 };
    if (this.used + length > this.block.length) {
      this.block = new Uint8Array(this.blockBytes);
      this.used = 0;
    }
    const offset = this.used;
    this.used += length;
    return { bytes: this.block, offset };
  }
}

export class BucketProgress {
  /**
   * The plan's first bucket as a bucket number (start / bucket length), and the slot count: small
   * integers, which V8 stores in the object itself, where a start in ms (past 2^31) would be a
   * separate heap number per stream.
   */
  private readonly first: number;
  private readonly bucketMs: number;
  private readonly bytes: Uint8Array;
  private readonly offset: number;
  private readonly length: number;
  /** Buckets of the plan that were settled as done or failed. */
  done = 0;
  failed = 0;

  constructor(
    plan: StreamPlan,
    /** How many parts (jobs of different kinds) make one bucket, at most 254. */
    readonly parts: number,
    arena: ProgressArena = new ProgressArena(0),
  ) {
    const span = spanOf(plan);
    this.bucketMs = plan.bucketMs;
    const first = span ? span.from / plan.bucketMs : 0;
    // Epoch-aligned buckets make it a whole number, which Math.round hands V8 as a small integer.
    this.first = Number.isInteger(first) ? Math.round(first) : first;
    this.length = span ? Math.round((span.to - span.from) / plan.bucketMs) : 0;
    ({ bytes: this.bytes, offset: this.offset } = arena.take(this.length));
  }

  /** The slot of the bucket starting at `start`, if the plan has it. */
  private slot(start: number): number | undefined {
    const i = start / this.bucketMs - this.first;
    return Number.isInteger(i) && i >= 0 && i < this.length ? this.offset + i : undefined;
  }

  /** One part of `start` was accepted; true when that completes the bucket. */
  accept(start: number): boolean {
    const i = this.slot(start);
    if (i === undefined) return false;
    const value = this.bytes[i] ?? 0;
    if (value === FAILED || value >= this.parts) return false;
    this.bytes[i] = value + 1;
    if (value + 1 < this.parts) return false;
    this.done += 1;
    return true;
  }

  /** One part of `start` failed; true the first time (a bucket counts as failed once). */
  fail(start: number): boolean {
    const i = this.slot(start);
    if (i === undefined || this.bytes[i] === FAILED) return false;
    if ((this.bytes[i] ?? 0) >= this.parts) this.done -= 1;
    this.bytes[i] = FAILED;
    this.failed += 1;
    return true;
  }

  /** Whether every part of `start` was accepted (the watermark may pass it). */
  has(start: number): boolean {
    const i = this.slot(start);
    return i !== undefined && this.bytes[i] === this.parts;
  }
}
