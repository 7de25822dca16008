// Executes jobs in waves, oldest buckets first: fetch (bounded concurrency) → map → submit →
// checkpoint. After each wave the buckets Datadog accepted are checkpointed, so a crash, a
// signal or a deadline loses at most one wave of work, and never skips a bucket.
import pLimit from "p-limit";
import type { Logger } from "pino";
import type { CommonConfig } from "../config/types.js";
import type { DatadogSink } from "../datadog/sink.js";
import { CredentialError } from "../errors.js";
import { advanceWatermarks, type StreamPlan, type Watermarks } from "../plan/schedule.js";
import type { EventGroup } from "../segment/events.js";
import { type FetchContext, fetchAndMap, type JobResult } from "./fetch.js";
import { isFirstRead, type Job, ownersOfJob } from "./jobs.js";
import type { RunDeps, Session } from "./session.js";
import { submitPoints } from "./submit.js";

export interface Stream {
  plan: StreamPlan;
  succeeded: Set<number>;
  /** Stores the stream's new watermarks into the state object (the caller writes the file). */
  save: (marks: Watermarks) => void;
}

export interface WaveTotals {
  firstReads: number;
  rereads: number;
  failed: number;
  /** Buckets not attempted because the run was stopped (deadline, signal, rejected credential). */
  pending: number;
  points: number;
  datadogRequests: number;
  failures: string[];
  /** Per stream, so runs over several workspaces can report each. */
  byStream: Map<string, { firstReads: number; rereads: number; failed: number }>;
}

export interface WaveOptions {
  fetch: Omit<FetchContext, "warned">;
  sink: DatadogSink | undefined;
  dryRun: boolean;
  stdout: (text: string) => void;
  logger: Logger;
  concurrency: number;
  /** Aborted on deadline or signal: nothing new starts, in-flight requests stop. */
  stop?: AbortSignal;
  /** Writes the state file; called after every wave (not in dry runs). */
  checkpoint: () => Promise<void>;
  onProgress?: (bucketsDone: number) => void;
  /** Backfill counts every bucket as a first read. */
  allFirstReads?: boolean;
}

/** The options every run over a session uses; `extra` adds what differs (progress, counting). */
export function sessionWaves(
  session: Session,
  config: CommonConfig & { eventsGroupBy: EventGroup[]; schedule: { bucketMs: number } },
  deps: RunDeps,
  extra: Partial<WaveOptions> = {},
): WaveOptions {
  return {
    fetch: { config, clock: deps.now, logger: deps.logger },
    sink: session.sink,
    dryRun: config.dryRun,
    stdout: deps.stdout,
    logger: deps.logger,
    concurrency: config.concurrency,
    stop: session.stop,
    checkpoint: session.checkpoint,
    ...extra,
  };
}

/** Jobs per wave: ~10 points each, so a wave fills about one Datadog request. */
export const WAVE_SIZE = 1000;

export function emptyTotals(): WaveTotals {
  return {
    firstReads: 0,
    rereads: 0,
    failed: 0,
    pending: 0,
    points: 0,
    datadogRequests: 0,
    failures: [],
    byStream: new Map(),
  };
}

export async function runWaves(
  jobs: readonly Job[],
  streams: Map<string, Stream>,
  options: WaveOptions,
): Promise<WaveTotals> {
  const totals = emptyTotals();
  const limit = pLimit(options.concurrency);
  const context: FetchContext = { ...options.fetch, warned: new Set() };
  let credentialError: CredentialError | undefined;
  const stopped = () => credentialError !== undefined || options.stop?.aborted === true;

  for (let i = 0; i < jobs.length; i += WAVE_SIZE) {
    if (stopped()) {
      totals.pending += jobs.slice(i).reduce((n, j) => n + ownersOfJob(j).length, 0);
      break;
    }
    const wave = jobs.slice(i, i + WAVE_SIZE);
    const results = await Promise.all(
      wave.map((job) =>
        limit(async (): Promise<JobResult> => {
          if (stopped()) return { job, points: [], skipped: true };
          try {
            return await fetchAndMap(job, context);
          } catch (error) {
            if (error instanceof CredentialError) credentialError ??= error;
            return { job, points: [], error: error instanceof Error ? error.message : String(error) };
          }
        }),
      ),
    );
    let outcome: Awaited<ReturnType<typeof submitPoints>> | undefined;
    try {
      outcome = await submitPoints(results, options);
    } catch (error) {
      if (!(error instanceof CredentialError)) throw error;
      credentialError ??= error;
    }
    for (const result of results) {
      const owners = ownersOfJob(result.job);
      if (result.skipped || !outcome) {
        totals.pending += owners.length;
        continue;
      }
      for (const owner of owners) {
        const start = Number(owner.slice(owner.lastIndexOf("@") + 1));
        const failure = outcome.failed.get(owner);
        if (failure !== undefined) {
          totals.failed += 1;
          const counts = totals.byStream.get(result.job.stream) ?? { firstReads: 0, rereads: 0, failed: 0 };
          counts.failed += 1;
          totals.byStream.set(result.job.stream, counts);
          if (totals.failures.length < 3) totals.failures.push(failure);
          continue;
        }
        streams.get(result.job.stream)?.succeeded.add(start);
        // Usage is a daily reading, not a bucket: it is not counted with the buckets.
        if (result.job.kind === "usage") continue;
        const counts = totals.byStream.get(result.job.stream) ?? { firstReads: 0, rereads: 0, failed: 0 };
        totals.byStream.set(result.job.stream, counts);
        if (options.allFirstReads || isFirstRead(result.job, start)) {
          totals.firstReads += 1;
          counts.firstReads += 1;
        } else {
          totals.rereads += 1;
          counts.rereads += 1;
        }
      }
      options.onProgress?.(owners.length);
    }
    if (outcome) {
      totals.points += outcome.points;
      totals.datadogRequests += outcome.requests;
    }
    if (!options.dryRun) {
      for (const stream of streams.values()) stream.save(advanceWatermarks(stream.plan, stream.succeeded));
      await options.checkpoint();
    }
  }
  if (jobs.length === 0 && !options.dryRun) {
    // Nothing to read, but new streams and buckets reported out of reach still move the checkpoint.
    for (const stream of streams.values()) stream.save(advanceWatermarks(stream.plan, stream.succeeded));
    await options.checkpoint();
  }
  if (credentialError) throw credentialError;
  return totals;
}
