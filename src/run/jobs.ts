// Turns stream plans into fetch jobs (pure). A delivery job is one summary call for one bucket of
// one connection; an events job is one paginated request sequence for a window of the workspace.
import { chunkWindow } from "../plan/buckets.js";
import {
  DELIVERY_METRICS_LIMITS,
  EVENTS_VOLUME_LIMITS,
  eventsGranularityFor,
  type Granularity,
  granularityFor,
} from "../plan/limits.js";
import type { StreamPlan } from "../plan/schedule.js";
import type { Connection } from "./discover.js";

export const EVENTS_STREAM = "events";

export function ownerKey(stream: string, bucketStart: number): string {
  return `${stream}@${bucketStart}`;
}

export interface DeliveryJob {
  kind: "delivery";
  stream: string;
  connection: Connection;
  start: number;
  end: number;
  granularity: Granularity;
  firstRead: boolean;
}

export interface EventsJob {
  kind: "events";
  stream: string;
  start: number;
  end: number;
  granularity: Granularity;
  /** Buckets of the window that are due; the others in it are re-sent with fresher values. */
  dueStarts: number[];
  /** The due buckets read for the first time (the rest are re-reads). */
  firstReadStarts: number[];
}

export type Job = DeliveryJob | EventsJob;

export function ownersOfJob(job: Job): string[] {
  return job.kind === "delivery"
    ? [ownerKey(job.stream, job.start)]
    : job.dueStarts.map((start) => ownerKey(job.stream, start));
}

export function deliveryJobs(connection: Connection, plan: StreamPlan, now: number): DeliveryJob[] {
  return plan.tasks.flatMap((task) => {
    const limit = granularityFor(DELIVERY_METRICS_LIMITS, task.start, plan.bucketMs, now);
    // The plan's reach already excludes buckets no granularity can serve; keep the guard anyway.
    if (!limit) return [];
    return [
      {
        kind: "delivery" as const,
        stream: connection.key,
        connection,
        start: task.start,
        end: task.end,
        granularity: limit.granularity,
        firstRead: task.firstRead,
      },
    ];
  });
}

/**
 * One request window from the oldest to the newest due bucket (cheaper than one request per due
 * range under the 60/min limit), cut to the granularity's maximum range; windows with nothing due
 * are dropped.
 */
export function eventsJobs(plan: StreamPlan, now: number): EventsJob[] {
  const first = plan.tasks[0];
  const last = plan.tasks[plan.tasks.length - 1];
  if (!first || !last) return [];
  const limit = eventsGranularityFor(EVENTS_VOLUME_LIMITS, first.start, plan.bucketMs, now);
  if (!limit) return [];
  const firstReads = new Set(plan.tasks.filter((t) => t.firstRead).map((t) => t.start));
  return chunkWindow({ start: first.start, end: last.end }, plan.bucketMs, limit.maxRangeMs).flatMap((w) => {
    const dueStarts = plan.tasks.filter((t) => t.start >= w.start && t.start < w.end).map((t) => t.start);
    if (dueStarts.length === 0) return [];
    return [
      {
        kind: "events" as const,
        stream: EVENTS_STREAM,
        start: w.start,
        end: w.end,
        granularity: limit.granularity,
        dueStarts,
        firstReadStarts: dueStarts.filter((s) => firstReads.has(s)),
      },
    ];
  });
}
