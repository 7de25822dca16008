// One run as a pipeline, not in waves (design §3): jobs are drawn from a lazy sequence by a fixed
// number of fetch workers (the concurrency budget), each result's points go into the batcher, which
// submits a full batch to the sink while the workers go on fetching, and the checkpoint advances as
// batches are accepted. Memory is bounded whatever the number of connections: one job per worker,
// one batch being filled, and at most `maxInFlightSubmits` batches being sent; a worker whose
// result does not fit waits (backpressure). The guarantees of the waves stay: nothing is
// checkpointed before the sink accepted it, and a crash at any instant loses nothing.
import type { Logger } from "pino";
import type { CommonConfig } from "../config/types.js";
import { CredentialError } from "../errors.js";
import { advanceWatermarks, type StreamPlan, taskCount, type Watermarks } from "../plan/schedule.js";
import type { EventGroup } from "../segment/events.js";
import type { Sink } from "../sink.js";
import { Batcher } from "./batcher.js";
import { type FetchContext, fetchAndMap, type JobResult } from "./fetch.js";
import { isFirstRead, type Job, ownersOfJob } from "./jobs.js";
import type { RunDeps, Session } from "./session.js";

export interface Stream {
  plan: StreamPlan;
  /** Bucket starts whose every part was accepted. */
  succeeded: Set<number>;
  /**
   * How many jobs make one bucket: 1, or 2 for a connection with error details (its summary and
   * its failures by reason); a bucket counts as done only when all of them were accepted.
   */
  parts?: number;
  /** Stores the stream's new watermarks into the state object (the caller writes the file). */
  save: (marks: Watermarks) => void;
}

export interface RunTotals {
  firstReads: number;
  rereads: number;
  failed: number;
  /** Buckets not done because the run was stopped (deadline, signal, rejected credential). */
  pending: number;
  points: number;
  /** Requests the sink made. */
  sinkRequests: number;
  failures: string[];
  /** Per stream, so runs over several workspaces can report each. */
  byStream: Map<string, { firstReads: number; rereads: number; failed: number }>;
}

export interface PipelineOptions {
  fetch: Omit<FetchContext, "warned">;
  sink: Sink;
  logger: Logger;
  concurrency: number;
  /** Aborted on deadline or signal: nothing new starts, in-flight requests stop. */
  stop?: AbortSignal | undefined;
  /** Writes the state file (a no-op in dry runs). */
  checkpoint: () => Promise<void>;
  onProgress?: (bucketsDone: number) => void;
  /** Backfill counts every bucket as a first read. */
  allFirstReads?: boolean;
  /** Points per submission (the batcher's target); the sink may still split by bytes. */
  batchPoints?: number;
  maxInFlightSubmits?: number;
}

/** The options every run over a session uses; `extra` adds what differs (progress, counting). */
export function sessionPipeline(
  session: Session,
  config: CommonConfig & { eventsGroupBy: EventGroup[]; schedule: { bucketMs: number } },
  deps: RunDeps,
  extra: Partial<PipelineOptions> = {},
): PipelineOptions {
  return {
    fetch: { config, clock: deps.now, logger: deps.logger },
    sink: session.sink,
    logger: deps.logger,
    concurrency: config.concurrency,
    stop: session.stop,
    checkpoint: session.checkpoint,
    ...(deps.batchPoints !== undefined ? { batchPoints: deps.batchPoints } : {}),
    ...extra,
  };
}

/** Per stream: parts accepted per bucket, and buckets already counted as failed. */
interface Progress {
  parts: Map<number, number>;
  failed: Set<number>;
}

export async function runPipeline(
  jobs: Iterable<Job>,
  streams: ReadonlyMap<string, Stream>,
  options: PipelineOptions,
): Promise<RunTotals> {
  const totals: RunTotals = {
    firstReads: 0,
    rereads: 0,
    failed: 0,
    pending: 0,
    points: 0,
    sinkRequests: 0,
    failures: [],
    byStream: new Map(),
  };
  const context: FetchContext = { ...options.fetch, warned: new Set() };
  const progress = new Map<string, Progress>();
  const dirty = new Set<string>();
  let credentialError: CredentialError | undefined;
  const stopped = () => credentialError !== undefined || options.stop?.aborted === true;

  const countsOf = (stream: string) => {
    let counts = totals.byStream.get(stream);
    if (!counts) {
      counts = { firstReads: 0, rereads: 0, failed: 0 };
      totals.byStream.set(stream, counts);
    }
    return counts;
  };

  /** One job's owners are settled: accepted unless listed in `failed`. */
  const settle = (result: JobResult, failed: ReadonlyMap<string, string>) => {
    const stream = streams.get(result.job.stream);
    if (!stream) return;
    let p = progress.get(result.job.stream);
    if (!p) {
      p = { parts: new Map(), failed: new Set() };
      progress.set(result.job.stream, p);
    }
    for (const { start: bucket, key } of ownersOfJob(result.job)) {
      const reason = result.error ?? failed.get(key);
      if (reason !== undefined) {
        if (p.failed.has(bucket)) continue;
        p.failed.add(bucket);
        totals.failed += 1;
        countsOf(result.job.stream).failed += 1;
        if (totals.failures.length < 3) totals.failures.push(reason);
        continue;
      }
      const done = (p.parts.get(bucket) ?? 0) + 1;
      p.parts.set(bucket, done);
      if (done < (stream.parts ?? 1) || p.failed.has(bucket)) continue;
      stream.succeeded.add(bucket);
      dirty.add(result.job.stream);
      options.onProgress?.(1);
      // Usage is a daily reading, not a bucket: it is not counted with the buckets.
      if (result.job.kind === "usage") continue;
      const counts = countsOf(result.job.stream);
      if (options.allFirstReads || isFirstRead(result.job, bucket)) {
        totals.firstReads += 1;
        counts.firstReads += 1;
      } else {
        totals.rereads += 1;
        counts.rereads += 1;
      }
    }
  };

  // Checkpoints are written one at a time, in the order batches were accepted. Between batches only
  // streams that moved are saved; the last one saves every stream, so new streams and buckets
  // reported out of reach (or watermarks pulled back) reach the file even when nothing was due.
  let checkpoints = Promise.resolve();
  const checkpoint = (all = false) => {
    const keys = all ? [...streams.keys()] : [...dirty];
    dirty.clear();
    for (const key of keys) {
      const stream = streams.get(key);
      stream?.save(advanceWatermarks(stream.plan, stream.succeeded));
    }
    checkpoints = checkpoints.then(() => options.checkpoint());
    return checkpoints;
  };

  const batcher = new Batcher({
    sink: options.sink,
    ...(options.batchPoints !== undefined ? { batchPoints: options.batchPoints } : {}),
    ...(options.maxInFlightSubmits !== undefined ? { maxInFlight: options.maxInFlightSubmits } : {}),
    onSettled: async (results, outcome) => {
      if (outcome.error instanceof CredentialError) {
        // Nothing of this batch was accepted; its buckets stay pending, and the run stops.
        credentialError ??= outcome.error;
        return;
      }
      if (outcome.error) throw outcome.error;
      totals.sinkRequests += outcome.requests;
      totals.points += outcome.points;
      for (const result of results) settle(result, outcome.failed);
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
      let result: JobResult;
      try {
        result = await fetchAndMap(job, context);
      } catch (error) {
        if (error instanceof CredentialError) {
          credentialError ??= error;
          return;
        }
        // A stop aborts the request in flight: that job is pending, not failed.
        if (stopped()) return;
        result = { job, points: [], error: error instanceof Error ? error.message : String(error) };
      }
      if (result.error !== undefined || result.points.length === 0) {
        // Nothing to submit: settled at once (a failure, or a job with no points such as error details
        // that are unavailable or a bucket without failures).
        settle(result, new Map());
        continue;
      }
      await batcher.add(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  await batcher.close();
  await checkpoint(true);

  // What was planned and neither done nor failed stays pending (the run was stopped).
  for (const [key, stream] of streams) {
    const failed = progress.get(key)?.failed.size ?? 0;
    totals.pending += Math.max(0, taskCount(stream.plan) - stream.succeeded.size - failed);
  }
  if (credentialError) throw credentialError;
  return totals;
}
