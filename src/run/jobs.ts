// Turns stream plans into fetch jobs (pure, lazy). A delivery job is one summary call for one bucket
// of one connection; a failures job is one Delivery Overview request sequence covering every bucket a
// run reads for one connection (error details); an events job is one paginated request sequence for
// a window of a workspace. Jobs are generated as the pipeline consumes them, never all up front.

import { alignDown, chunkWindow } from "../plan/buckets.js";
import {
  DELIVERY_METRICS_LIMITS,
  EVENTS_VOLUME_LIMITS,
  eventsGranularityFor,
  type Granularity,
  granularityFor,
} from "../plan/limits.js";
import { iterateTasks, type StreamPlan, streamPlan } from "../plan/schedule.js";
import { DAY, MINUTE } from "../time.js";
import type { Connection } from "./discover.js";
import type { WorkspaceRun } from "./workspace.js";

/** Stream keys are unique across workspaces: `<workspace id>/<source id>/<destination id>`. */
export function deliveryStream(ws: Pick<WorkspaceRun, "id">, connection: Connection): string {
  return `${ws.id}/${connection.key}`;
}

export function eventsStream(ws: Pick<WorkspaceRun, "id">): string {
  return `${ws.id}/events`;
}

export function usageStream(ws: Pick<WorkspaceRun, "id">): string {
  return `${ws.id}/usage`;
}

export function ownerKey(stream: string, bucketStart: number): string {
  return `${stream}@${bucketStart}`;
}

interface JobBase {
  ws: WorkspaceRun;
  stream: string;
  start: number;
  end: number;
  granularity: Granularity;
}

export interface DeliveryJob extends JobBase {
  kind: "delivery";
  connection: Connection;
  firstRead: boolean;
}

export interface EventsJob extends JobBase {
  kind: "events";
  /** Buckets of the window that are due; the others in it are re-sent with fresher values. */
  dueStarts: number[];
  /** The due buckets read for the first time (the rest are re-reads). */
  firstReadStarts: number[];
}

/** The month-to-date usage of a workspace, read once per UTC day (its "bucket" is the day). */
export interface UsageJob extends JobBase {
  kind: "usage";
  /** First day of the month, `YYYY-MM-01`, as the usage endpoints want it. */
  period: string;
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
}

export const USAGE_STAGE = "usage";

/** Today's usage read, unless the state says it was done today. */
export function usageJob(ws: WorkspaceRun, now: number): UsageJob | undefined {
  const start = alignDown(now, DAY);
  const day = new Date(start).toISOString().slice(0, 10);
  if (ws.state.usage?.lastDay === day) return undefined;
  const period = `${day.slice(0, 8)}01`;
  return { kind: "usage", ws, stream: usageStream(ws), start, end: start + DAY, granularity: "DAY", day, period };
}

/** A one-task plan, so the usage read is checkpointed by the same rule as buckets. */
export function usagePlan(job: UsageJob): StreamPlan {
  return streamPlan(
    [{ key: USAGE_STAGE, from: job.start, to: job.end, outOfReach: 0, outOfReachFrom: job.start }],
    DAY,
    USAGE_STAGE,
  );
}

/** Failed deliveries by reason for every bucket this run reads of one connection (design §5). */
export interface FailuresJob extends JobBase {
  kind: "failures";
  connection: Connection;
  /** Bucket starts read this run (first reads and re-reads), ascending. */
  buckets: number[];
  /** Of those, the ones read for the first time. */
  firstReadStarts: number[];
}

export type Job = DeliveryJob | EventsJob | UsageJob | FailuresJob;

/** A bucket a job's points belong to: its start as a number, and the owner key its points carry. */
export interface Owner {
  start: number;
  key: string;
}

export function ownersOfJob(job: Job): Owner[] {
  const starts = job.kind === "events" ? job.dueStarts : job.kind === "failures" ? job.buckets : [job.start];
  return starts.map((start) => ({ start, key: ownerKey(job.stream, start) }));
}

export function isFirstRead(job: Job, start: number): boolean {
  if (job.kind === "events" || job.kind === "failures") return job.firstReadStarts.includes(start);
  return job.kind === "delivery" ? job.firstRead : true;
}

/**
 * One connection's jobs, oldest bucket first: with error details, first the one failures job that
 * covers all of the run's buckets (so a deadline never leaves summaries waiting for it), then one
 * summary job per bucket.
 */
export function* deliveryJobs(
  ws: WorkspaceRun,
  connection: Connection,
  plan: StreamPlan,
  /** Jobs are built just before they are fetched, so the granularity is chosen once, then, for good. */
  clock: () => number,
  errorDetails = false,
): Generator<DeliveryJob | FailuresJob> {
  const stream = deliveryStream(ws, connection);
  if (errorDetails) {
    // Bucket starts as numbers only; the summaries' task objects are built one at a time below.
    const buckets: number[] = [];
    const firstReadStarts: number[] = [];
    for (const t of iterateTasks(plan)) {
      buckets.push(t.start);
      if (t.firstRead) firstReadStarts.push(t.start);
    }
    const first = buckets[0];
    const last = buckets[buckets.length - 1];
    if (first !== undefined && last !== undefined) {
      yield {
        kind: "failures",
        ws,
        stream,
        connection,
        start: first,
        end: last + plan.bucketMs,
        granularity: "MINUTE",
        buckets,
        firstReadStarts,
      };
    }
  }
  for (const task of iterateTasks(plan)) {
    const limit = granularityFor(DELIVERY_METRICS_LIMITS, task.start, plan.bucketMs, clock());
    // The plan's reach already excludes buckets no granularity can serve; keep the guard anyway.
    if (!limit) continue;
    yield {
      kind: "delivery",
      ws,
      stream,
      connection,
      start: task.start,
      end: task.end,
      granularity: limit.granularity,
      firstRead: task.firstRead,
    };
  }
}

/**
 * One request window from the oldest to the newest due bucket (cheaper than one request per due
 * range under the 60/min limit), cut to the granularity's maximum range; windows with nothing due
 * are dropped.
 */
export function eventsJobs(ws: WorkspaceRun, plan: StreamPlan, now: number): EventsJob[] {
  // Few (one request window per maximum range), so built at once.
  const tasks = plan.tasks;
  const first = tasks[0];
  const last = tasks[tasks.length - 1];
  if (!first || !last) return [];
  const limit = eventsGranularityFor(EVENTS_VOLUME_LIMITS, first.start, plan.bucketMs, now);
  if (!limit) return [];
  const firstReads = new Set(tasks.filter((t) => t.firstRead).map((t) => t.start));
  return chunkWindow({ start: first.start, end: last.end }, plan.bucketMs, limit.maxRangeMs).flatMap((w) => {
    const dueStarts = tasks.filter((t) => t.start >= w.start && t.start < w.end).map((t) => t.start);
    if (dueStarts.length === 0) return [];
    return [
      {
        kind: "events" as const,
        ws,
        stream: eventsStream(ws),
        start: w.start,
        end: w.end,
        granularity: limit.granularity,
        dueStarts,
        firstReadStarts: dueStarts.filter((s) => firstReads.has(s)),
      },
    ];
  });
}

/**
 * How finely `oldestFirst` orders by time. Within one slab a stream's buckets come together, so its
 * points share series entries in a submission (fewer bytes, fewer requests); across slabs the oldest
 * come first, so they reach the sink before they age out of its window, and a deadline cuts the
 * newest work rather than whole streams.
 */
export const ORDER_SLAB_MS = 30 * MINUTE;

/**
 * Merges the streams' job sequences, oldest slab first (streams in the order given within a slab).
 * Only one pending job per stream exists at a time: jobs are built as they are consumed.
 */
export function* oldestFirst(sources: ReadonlyArray<Iterable<Job>>, slabMs = ORDER_SLAB_MS): Generator<Job> {
  const slab = (job: Job) => Math.floor(job.start / slabMs);
  const heads: Array<{ it: Iterator<Job>; job: Job }> = [];
  for (const source of sources) {
    const it = source[Symbol.iterator]();
    const next = it.next();
    if (!next.done) heads.push({ it, job: next.value });
  }
  while (heads.length > 0) {
    let min = Number.POSITIVE_INFINITY;
    for (const h of heads) min = Math.min(min, slab(h.job));
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i] as { it: Iterator<Job>; job: Job };
      while (slab(head.job) === min) {
        yield head.job;
        const next = head.it.next();
        if (next.done) {
          heads.splice(i, 1);
          i -= 1;
          break;
        }
        head.job = next.value;
      }
    }
  }
}
