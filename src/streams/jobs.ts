// The three ways a kind turns a stream's planned buckets into jobs (pure, lazy): one request per
// bucket (the delivery summary, a total over its range), one request sequence over every bucket of the
// run (Delivery Overview series, merged into as few windows as its limits allow), or a few windows cut
// to the maximum range (event volume). Each yields only the jobs that start in the slab asked for.
import { chunkWindow } from "../plan/buckets.js";
import { type GranularityLimit, granularityFor } from "../plan/limits.js";
import { iterateTasks, type StreamPlan } from "../plan/schedule.js";
import type { Job, StreamKind, StreamRef } from "./types.js";

/** One job per bucket; the granularity is chosen when the job is built, i.e. just before it is fetched. */
export function* bucketJobs(
  kind: StreamKind,
  stream: StreamRef,
  plan: StreamPlan,
  slabFrom: number,
  slabTo: number,
  clock: () => number,
): Generator<Job> {
  for (const task of iterateTasks(plan, slabFrom, slabTo)) {
    const limit = granularityFor(kind.limits, task.start, plan.bucketMs, clock());
    yield {
      kind,
      stream,
      start: task.start,
      end: task.end,
      buckets: [task.start],
      firstReads: task.firstRead ? [task.start] : [],
      // Undefined when no granularity serves the bucket any more: the kind settles it empty.
      granularity: limit?.granularity,
    };
  }
}

/**
 * One job for every bucket of the run, in the slab of its oldest bucket: first, so a deadline never
 * leaves the per-bucket parts waiting for it. The kind plans its request windows when it reads.
 */
export function* runJob(kind: StreamKind, stream: StreamRef, plan: StreamPlan, slabFrom: number, slabTo: number) {
  const buckets: number[] = [];
  const firstReads: number[] = [];
  for (const t of iterateTasks(plan)) {
    if (buckets.length === 0 && (t.start < slabFrom || t.start >= slabTo)) return;
    buckets.push(t.start);
    if (t.firstRead) firstReads.push(t.start);
  }
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  if (first === undefined || last === undefined) return;
  yield { kind, stream, start: first, end: last + plan.bucketMs, buckets, firstReads } satisfies Job;
}

/**
 * Request windows from the oldest to the newest due bucket (one window is cheaper than one per due
 * range under a per-minute limit), cut to the granularity's maximum range; windows with nothing due
 * are dropped. `limit` is chosen once, for the oldest bucket, since that one constrains the window.
 */
export function* windowJobs(
  kind: StreamKind,
  stream: StreamRef,
  plan: StreamPlan,
  slabFrom: number,
  slabTo: number,
  limit: GranularityLimit | undefined,
): Generator<Job> {
  if (!limit) return;
  let first: number | undefined;
  let end: number | undefined;
  for (const t of iterateTasks(plan)) {
    first ??= t.start;
    end = t.end;
  }
  if (first === undefined || end === undefined) return;
  for (const w of chunkWindow({ start: first, end }, plan.bucketMs, limit.maxRangeMs)) {
    if (w.start < slabFrom || w.start >= slabTo) continue;
    const buckets: number[] = [];
    const firstReads: number[] = [];
    for (const t of iterateTasks(plan, w.start, w.end)) {
      buckets.push(t.start);
      if (t.firstRead) firstReads.push(t.start);
    }
    if (buckets.length === 0) continue;
    yield { kind, stream, start: w.start, end: w.end, buckets, firstReads, granularity: limit.granularity };
  }
}
