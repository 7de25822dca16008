// Turns stream plans into fetch jobs (pure). A delivery job is one summary call for one bucket of
// one connection; an events job is one paginated request sequence for a window of a workspace.
import { DAY } from "../config/time.js";
import { alignDown, chunkWindow } from "../plan/buckets.js";
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
  return {
    bucketMs: DAY,
    tasks: [{ start: job.start, end: job.end, stages: [USAGE_STAGE], firstRead: true }],
    stages: [{ key: USAGE_STAGE, from: job.start, to: job.end, outOfReach: 0, outOfReachFrom: job.start }],
  };
}

export type Job = DeliveryJob | EventsJob | UsageJob;

export function ownersOfJob(job: Job): string[] {
  return job.kind === "events"
    ? job.dueStarts.map((start) => ownerKey(job.stream, start))
    : [ownerKey(job.stream, job.start)];
}

export function isFirstRead(job: Job, start: number): boolean {
  if (job.kind === "events") return job.firstReadStarts.includes(start);
  return job.kind === "delivery" ? job.firstRead : true;
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
