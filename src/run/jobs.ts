// Turns stream plans into fetch jobs (pure). A delivery job is one summary call for one bucket of
// one connection; an events job is one paginated request sequence for a window of a workspace.
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
import type { WorkspaceRun } from "./workspace.js";

/** Stream keys are unique across workspaces: `<workspace id>/<source id>/<destination id>`. */
export function deliveryStream(ws: Pick<WorkspaceRun, "id">, connection: Connection): string {
  return `${ws.id}/${connection.key}`;
}

export function eventsStream(ws: Pick<WorkspaceRun, "id">): string {
  return `${ws.id}/events`;
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

export type Job = DeliveryJob | EventsJob;

export function ownersOfJob(job: Job): string[] {
  return job.kind === "delivery"
    ? [ownerKey(job.stream, job.start)]
    : job.dueStarts.map((start) => ownerKey(job.stream, start));
}

export function isFirstRead(job: Job, start: number): boolean {
  return job.kind === "delivery" ? job.firstRead : job.firstReadStarts.includes(start);
}

export function deliveryJobs(ws: WorkspaceRun, connection: Connection, plan: StreamPlan, now: number): DeliveryJob[] {
  const stream = deliveryStream(ws, connection);
  return plan.tasks.flatMap((task) => {
    const limit = granularityFor(DELIVERY_METRICS_LIMITS, task.start, plan.bucketMs, now);
    // The plan's reach already excludes buckets no granularity can serve; keep the guard anyway.
    if (!limit) return [];
    return [
      {
        kind: "delivery" as const,
        ws,
        stream,
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
export function eventsJobs(ws: WorkspaceRun, plan: StreamPlan, now: number): EventsJob[] {
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

/** Oldest first: watermarks then advance evenly, and a deadline cuts the newest work, not a gap. */
export function sortJobs(jobs: Job[]): Job[] {
  return jobs.sort((a, b) => a.start - b.start || a.stream.localeCompare(b.stream));
}
