// The pipeline's side of a sink that takes each point once (design §5, Sinks: New Relic sums a point
// sent twice, a remote-write receiver refuses an older sample after a newer one). Two rules keep such a
// backend exact across runs, whatever fails:
// - a bucket is handed to the batcher whole: its parts (summary, failures by reason, …) come from
//   different jobs, and a part accepted while another failed would be sent again with the bucket by
//   the next run;
// - a stream's buckets go in time order, and none after one that failed (or was not reached): the next
//   run resumes at the failed bucket, and everything after it is still unsent.
// So the gate holds each part until its bucket is complete and every earlier bucket of its stream has
// gone; once a bucket fails, the rest of its stream is settled as failed ("held back") and never read
// or sent in this run.
import { decorate } from "../sinks/decorate.js";
import { bucketOf, heldReason, streamOf } from "../sinks/hold-back.js";
import type { OwnedPoint, Sink, SinkOutcome } from "../sinks/types.js";
import type { Job } from "../streams/types.js";
import type { JobResult } from "./pipeline.js";
import type { PlannedStream } from "./plan.js";
import { spanOf } from "./plan.js";

interface Pending {
  /** Parts arrived. */
  parts: number;
  points: OwnedPoint[];
  /** A job that carried one of its parts (the released result is built from it). */
  job: Job;
  firstRead: boolean;
}

interface StreamGate {
  parts: number;
  bucketMs: number;
  /** The next bucket to release: the oldest not yet handed on. */
  next: number;
  /** End of the plan's last bucket. */
  end: number;
  pending: Map<number, Pending>;
  /** Set once a bucket failed: it and every later bucket of the stream stay behind in this run. */
  blockedFrom?: number;
  blockedWhy?: string;
  /** A job of the stream, to name it in the results built here. */
  job?: Job;
}

/** A whole bucket, or buckets that will not be sent (`error`). */
export type GateResult = JobResult;

export class OnceGate {
  private readonly streams = new Map<string, StreamGate>();

  constructor(planned: Iterable<PlannedStream>) {
    for (const p of planned) {
      const span = spanOf(p.plan);
      if (!span) continue;
      this.streams.set(p.ref.key, {
        parts: p.kinds.length,
        bucketMs: p.plan.bucketMs,
        next: span.from,
        end: span.to,
        pending: new Map(),
      });
    }
  }

  /** Whether every bucket of `job` is already held back: it need not be read. */
  skips(job: Job): boolean {
    const stream = this.streams.get(job.stream.key);
    const from = stream?.blockedFrom;
    return from !== undefined && job.buckets.every((b) => b >= from);
  }

  /**
   * One part arrived (points, or the error that its read ended with). Returns what is settled now:
   * whole buckets to submit, oldest first, and buckets that will not be sent (with `error`).
   */
  take(result: JobResult): GateResult[] {
    const stream = this.streams.get(result.job.stream.key);
    if (!stream) return [result];
    stream.job ??= result.job;
    if (result.error !== undefined) {
      // Its own buckets fail with its error; the later ones of the stream are held back.
      const open = result.job.buckets.filter((b) => b < (stream.blockedFrom ?? Number.POSITIVE_INFINITY));
      if (open.length === 0) return [];
      const failed = { ...result, job: { ...result.job, buckets: open } };
      return [failed, ...this.blockStream(stream, Math.min(...open), result.error, new Set(open))];
    }
    const out: GateResult[] = [];
    const byBucket = new Map<number, OwnedPoint[]>();
    for (const p of result.points) {
      const bucket = bucketOf(p.owner);
      let list = byBucket.get(bucket);
      if (!list) {
        list = [];
        byBucket.set(bucket, list);
      }
      list.push(p);
    }
    const firstReads = new Set(result.job.firstReads);
    for (const bucket of result.job.buckets) {
      if (stream.blockedFrom !== undefined && bucket >= stream.blockedFrom) continue; // already settled
      let pending = stream.pending.get(bucket);
      if (!pending) {
        pending = { parts: 0, points: [], job: result.job, firstRead: false };
        stream.pending.set(bucket, pending);
      }
      pending.parts += 1;
      for (const p of byBucket.get(bucket) ?? []) pending.points.push(p);
      if (firstReads.has(bucket)) pending.firstRead = true;
    }
    // Release the complete buckets at the head of the stream, in order.
    for (;;) {
      const bucket = stream.next;
      const pending = stream.pending.get(bucket);
      if (!pending || pending.parts < stream.parts || bucket >= (stream.blockedFrom ?? Number.POSITIVE_INFINITY)) break;
      stream.pending.delete(bucket);
      stream.next = bucket + stream.bucketMs;
      out.push({
        job: { ...pending.job, buckets: [bucket], firstReads: pending.firstRead ? [bucket] : [] },
        points: pending.points,
        parts: stream.parts,
      });
    }
    return out;
  }

  /** A bucket failed at the sink: the rest of its stream stays behind. Returns the buckets held back now. */
  block(owner: string, why: string): GateResult[] {
    const stream = this.streams.get(streamOf(owner));
    return stream ? this.blockStream(stream, bucketOf(owner), why, new Set([bucketOf(owner)])) : [];
  }

  /**
   * From `from` on, nothing of the stream is sent in this run: every later bucket not yet handed on
   * is settled as held back (read or not); those already batched are caught by `guard`.
   */
  private blockStream(stream: StreamGate, from: number, why: string, settled: ReadonlySet<number>): GateResult[] {
    if (stream.blockedFrom !== undefined && stream.blockedFrom <= from) return [];
    const until = stream.blockedFrom ?? stream.end;
    stream.blockedFrom = from;
    stream.blockedWhy = why;
    for (const b of [...stream.pending.keys()]) if (b >= from) stream.pending.delete(b);
    const buckets: number[] = [];
    for (let b = Math.max(from, stream.next); b < until; b += stream.bucketMs) if (!settled.has(b)) buckets.push(b);
    if (buckets.length === 0 || !stream.job) return [];
    return [{ job: { ...stream.job, buckets, firstReads: [] }, points: [], error: heldReason(why) }];
  }

  /** Whether an owner is behind a failed bucket of its stream (then it must not be sent). */
  held(owner: string): string | undefined {
    const stream = this.streams.get(streamOf(owner));
    if (stream?.blockedFrom === undefined || bucketOf(owner) <= stream.blockedFrom) return undefined;
    return stream.blockedWhy;
  }

  /**
   * The sink, as the batcher should use it: points of buckets held back since they were batched are
   * not sent, and their owners come back as failed.
   */
  guard(sink: Sink): Sink {
    return decorate(sink, {
      submit: async (points, measured): Promise<SinkOutcome> => {
        const held = new Map<string, string>();
        const sendable = points.filter((p) => {
          const why = this.held(p.owner);
          if (why !== undefined) held.set(p.owner, heldReason(why));
          return why === undefined;
        });
        const outcome =
          sendable.length === 0
            ? { failed: new Map<string, string>(), requests: 0 }
            : // The measure holds every point: it stands for the sendable ones only when nothing was held.
              await sink.submit(sendable, sendable.length === points.length ? measured : undefined);
        for (const [owner, why] of held) outcome.failed.set(owner, why);
        return outcome;
      },
    });
  }
}
