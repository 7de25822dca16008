// One run as a pipeline, not in waves (design §3): jobs are drawn from the plan's lazy sequence by a
// fixed number of workers (WORKERS_PER_SLOT per slot of the concurrency budget), each result's points
// go into the batcher, which submits a full batch to the sink while the workers go on fetching, and the
// checkpoint advances as batches are accepted. Memory is bounded whatever the number of connections:
// one job per worker, one batch being filled, one being sent, and a few progress bytes per stream; a
// worker whose result does not fit waits (backpressure). Nothing is checkpointed before the sink
// accepted it, and a crash at any instant loses nothing.
import type { Logger } from "pino";
import { CredentialError } from "../errors.js";
import { advanceWatermarks, FIRST_STAGE, taskCount } from "../plan/schedule.js";
import type { OwnedPoint, Sink } from "../sinks/types.js";
import type { Job, ReadContext } from "../streams/types.js";
import { Batcher } from "./batcher.js";
import { OnceGate } from "./gate.js";
import type { PlannedStream, WorkspacePlan } from "./plan.js";
import { BucketProgress, ProgressArena } from "./progress.js";

export interface JobResult {
  job: Job;
  points: OwnedPoint[];
  /** Why the fetch failed (the job's buckets stay pending). */
  error?: string;
  /** How many parts of each of its buckets it carries (a whole bucket from the gate: all of them). */
  parts?: number;
}

/** What the pipeline did for one workspace. */
export interface WorkspaceTotals {
  /** Buckets read for the first time and accepted, by the scope's noun (`connection`, `event-volume`…). */
  exported: Record<string, number>;
  reread: number;
  failed: number;
  /** Planned and neither done nor failed: the run was stopped. */
  pending: number;
  /** The oldest first-read watermark of its counted streams (for the lag), if any. */
  oldestFirstMark?: number | undefined;
}

export interface PipelineTotals {
  byWorkspace: Map<string, WorkspaceTotals>;
  points: number;
  /** Requests the sink made. */
  sinkRequests: number;
  /** Points the sink refused because it already held a value for them. */
  rejected: number;
  /** The first few failure messages, for the one-line error. */
  failures: string[];
}

export interface PipelineOptions {
  sink: Sink;
  read: ReadContext;
  logger: Logger;
  concurrency: number;
  /** Aborted on deadline or signal: nothing new starts, in-flight requests stop. */
  stop?: AbortSignal | undefined;
  /** Writes the state file (a no-op in dry runs). */
  checkpoint: () => Promise<void>;
  onProgress?: (bucketsDone: number) => void;
  /** Backfill counts every bucket as a first read. */
  allFirstReads?: boolean;
  /** Points per submission (the batcher's target); tests shrink it. */
  batchPoints?: number;
}

/**
 * Workers per request slot (`--concurrency`, held by the rate budget while a request is on the wire):
 * while one worker parses, maps and hands over an answer, another's request takes the slot it freed.
 * With one worker per slot, a slot stayed empty for as long as its answer took to process.
 */
export const WORKERS_PER_SLOT = 2;

interface StreamRun {
  planned: PlannedStream;
  progress: BucketProgress;
  totals: WorkspaceTotals;
}

/** Reads one job and gives each point its owner: the bucket it belongs to. */
async function readJob(job: Job, ctx: ReadContext): Promise<JobResult> {
  const points = await job.kind.read(job, ctx);
  const { key } = job.stream;
  // A one-bucket job's points (and usage's, stamped at run time) all belong to that bucket; the points
  // of a job over many buckets are stamped at their own bucket's start. Kinds return fresh points, so
  // the owner is added in place rather than by copying every point.
  const single = job.kind.stamp === "run" || job.buckets.length === 1 ? `${key}@${job.buckets[0]}` : undefined;
  // One owner string per bucket, shared by its points (a batch holds tens of thousands of points).
  const owners = new Map<number, string>();
  const ownerOf = (timestamp: number) => {
    let owner = owners.get(timestamp);
    if (owner === undefined) {
      owner = `${key}@${timestamp * 1000}`;
      owners.set(timestamp, owner);
    }
    return owner;
  };
  for (const p of points) (p as OwnedPoint).owner = single ?? ownerOf(p.timestamp);
  return { job, points: points as OwnedPoint[] };
}

export async function runPipeline(
  jobs: Iterable<Job>,
  plans: readonly WorkspacePlan[],
  options: PipelineOptions,
): Promise<PipelineTotals> {
  const totals: PipelineTotals = { byWorkspace: new Map(), points: 0, sinkRequests: 0, rejected: 0, failures: [] };
  const streams = new Map<string, StreamRun>();
  const arena = new ProgressArena();
  for (const wp of plans) {
    const own: WorkspaceTotals = { exported: {}, reread: 0, failed: 0, pending: 0 };
    totals.byWorkspace.set(wp.ws.id, own);
    for (const planned of wp.streams) {
      streams.set(planned.ref.key, {
        planned,
        progress: new BucketProgress(planned.plan, planned.kinds.length, arena),
        totals: own,
      });
    }
  }
  const dirty = new Set<StreamRun>();
  let credentialError: CredentialError | undefined;
  const stopped = () => credentialError !== undefined || options.stop?.aborted === true;

  /** One job's buckets are settled: accepted unless listed in `failed` (or the job failed). */
  const settle = (result: JobResult, failed: ReadonlyMap<string, string>) => {
    const stream = streams.get(result.job.stream.key);
    if (!stream) return;
    const { planned, progress, totals: own } = stream;
    for (const bucket of result.job.buckets) {
      const reason = result.error ?? failed.get(`${planned.ref.key}@${bucket}`);
      if (reason !== undefined) {
        if (!progress.fail(bucket)) continue;
        if (planned.counted) own.failed += 1;
        if (totals.failures.length < 3) totals.failures.push(reason);
        continue;
      }
      let completed = false;
      for (let part = 0; part < (result.parts ?? 1); part++) completed = progress.accept(bucket);
      if (!completed) continue;
      dirty.add(stream);
      options.onProgress?.(1);
      if (!planned.counted) continue;
      if (options.allFirstReads || result.job.firstReads.includes(bucket)) {
        own.exported[planned.noun] = (own.exported[planned.noun] ?? 0) + 1;
      } else {
        own.reread += 1;
      }
    }
  };

  // Checkpoints are written one at a time, in the order batches were accepted. Between batches only
  // streams that moved are saved; the last one saves every stream, so new streams and buckets
  // reported out of reach (or watermarks pulled back) reach the file even when nothing was due.
  let checkpoints = Promise.resolve();
  const checkpoint = (all = false) => {
    const moved = all ? [...streams.values()] : [...dirty];
    dirty.clear();
    for (const s of moved) s.planned.save(advanceWatermarks(s.planned.plan, s.progress));
    checkpoints = checkpoints.then(() => options.checkpoint());
    return checkpoints;
  };

  // A sink that takes each point once gets whole buckets, in order per stream (gate.ts).
  const gate = options.sink.writeRule === "once" ? new OnceGate(plans.flatMap((wp) => wp.streams)) : undefined;

  const batcher = new Batcher({
    sink: gate ? gate.guard(options.sink) : options.sink,
    ...(options.batchPoints !== undefined ? { batchPoints: options.batchPoints } : {}),
    onSettled: async (results, outcome) => {
      if (outcome.error instanceof CredentialError) {
        // Nothing of this batch was accepted; its buckets stay pending, and the run stops.
        credentialError ??= outcome.error;
        return;
      }
      if (outcome.error) throw outcome.error;
      totals.sinkRequests += outcome.requests;
      totals.points += outcome.points;
      totals.rejected += outcome.rejected ?? 0;
      for (const result of results) settle(result, outcome.failed);
      if (gate)
        for (const [owner, why] of outcome.failed) for (const held of gate.block(owner, why)) settle(held, new Map());
      await checkpoint();
    },
  });

  const iterator = jobs[Symbol.iterator]();
  const worker = async () => {
    for (;;) {
      if (stopped()) return;
      const next = iterator.next();
      if (next.done) return;
      const job = next.value;
      // Its buckets are held back behind a failed one: reading them would be thrown away.
      if (gate?.skips(job)) continue;
      let result: JobResult;
      try {
        result = await readJob(job, options.read);
      } catch (error) {
        if (error instanceof CredentialError) {
          credentialError ??= error;
          return;
        }
        // A stop aborts the request in flight: that job is pending, not failed.
        if (stopped()) return;
        result = { job, points: [], error: error instanceof Error ? error.message : String(error) };
      }
      for (const ready of gate ? gate.take(result) : [result]) {
        if (ready.error !== undefined || ready.points.length === 0) {
          // Nothing to submit: settled at once (a failure, or a part with no points, such as Delivery
          // Overview unavailable to the token or a bucket without failures).
          settle(ready, new Map());
          continue;
        }
        await batcher.add(ready);
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS_PER_SLOT * Math.max(1, options.concurrency) }, worker));
  await batcher.close();
  await checkpoint(true);

  for (const { planned, progress, totals: own } of streams.values()) {
    // What was planned and neither done nor failed stays pending (the run was stopped).
    own.pending += Math.max(0, taskCount(planned.plan) - progress.done - progress.failed);
    if (!planned.counted) continue;
    const mark = advanceWatermarks(planned.plan, progress)[FIRST_STAGE];
    if (mark !== undefined) own.oldestFirstMark = Math.min(own.oldestFirstMark ?? mark, mark);
  }
  if (credentialError) throw credentialError;
  return totals;
}
