// Which buckets of one stream are done, in one small array: per bucket of the stream's plan, how many
// of its parts were accepted, or that one failed. A Set of bucket starts plus a Map of part counts per
// stream held ~1 KB per connection for the whole run; this holds one byte per planned bucket.
import type { StreamPlan } from "../plan/schedule.js";
import { spanOf } from "./plan.js";

const FAILED = 255;

export class BucketProgress {
  private readonly from: number;
  private readonly bucketMs: number;
  private counts: Uint8Array | undefined;
  private readonly length: number;
  /** Buckets of the plan that were settled as done or failed. */
  done = 0;
  failed = 0;

  constructor(
    plan: StreamPlan,
    /** How many parts (jobs of different kinds) make one bucket, at most 254. */
    readonly parts: number,
  ) {
    const span = spanOf(plan);
    this.from = span?.from ?? 0;
    this.bucketMs = plan.bucketMs;
    this.length = span ? (span.to - span.from) / plan.bucketMs : 0;
  }

  private index(start: number): number | undefined {
    const i = (start - this.from) / this.bucketMs;
    return Number.isInteger(i) && i >= 0 && i < this.length ? i : undefined;
  }

  private get array(): Uint8Array {
    this.counts ??= new Uint8Array(this.length);
    return this.counts;
  }

  /** One part of `start` was accepted; true when that completes the bucket. */
  accept(start: number): boolean {
    const i = this.index(start);
    if (i === undefined) return false;
    const value = this.array[i] ?? 0;
    if (value === FAILED || value >= this.parts) return false;
    this.array[i] = value + 1;
    if (value + 1 < this.parts) return false;
    this.done += 1;
    return true;
  }

  /** One part of `start` failed; true the first time (a bucket counts as failed once). */
  fail(start: number): boolean {
    const i = this.index(start);
    if (i === undefined || this.array[i] === FAILED) return false;
    if ((this.array[i] ?? 0) >= this.parts) this.done -= 1;
    this.array[i] = FAILED;
    this.failed += 1;
    return true;
  }

  /** Whether every part of `start` was accepted (the watermark may pass it). */
  has(start: number): boolean {
    const i = this.index(start);
    return i !== undefined && this.counts !== undefined && this.counts[i] === this.parts;
  }
}
