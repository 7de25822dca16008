// Fetch one job from Segment and map it to owned points (the owner is the bucket the point
// belongs to, so the checkpoint knows which buckets Datadog accepted).
import type { Logger } from "pino";
import type { ExportConfig } from "../config/settings.js";
import { UpstreamError } from "../errors.js";
import { mapDeliverySummary } from "../mapping/delivery.js";
import { mapEventVolume } from "../mapping/events.js";
import { connectionTags, sourceTags } from "../mapping/tags.js";
import type { MappingWarning } from "../mapping/types.js";
import { mapUsage } from "../mapping/usage.js";
import { getDeliverySummary } from "../segment/delivery.js";
import { getEventVolume } from "../segment/events.js";
import { getMonthUsage } from "../segment/usage.js";
import type { OwnedPoint } from "../sink.js";
import { type DeliveryJob, type EventsJob, type FailuresJob, type Job, ownerKey, type UsageJob } from "./jobs.js";

export interface FetchContext {
  config: Pick<ExportConfig, "prefix" | "eventsGroupBy"> & { schedule: { bucketMs: number } };
  /** The clock of the run: usage is stamped with it, error details plan their windows at it. */
  clock: () => number;
  logger: Logger;
  /** Warning keys already logged by this process. */
  warned: Set<string>;
}

export interface JobResult {
  job: Job;
  points: OwnedPoint[];
  /** Why the fetch failed (the job's buckets stay pending). */
  error?: string;
}

function warnOnce(ctx: FetchContext, warnings: readonly MappingWarning[]): void {
  for (const w of warnings) {
    if (ctx.warned.has(w.key)) continue;
    ctx.warned.add(w.key);
    ctx.logger.warn(w.message);
  }
}

async function fetchDelivery(job: DeliveryJob, ctx: FetchContext): Promise<JobResult> {
  const { connection, ws } = job;
  const { granularity } = job;
  const summary = await getDeliverySummary(ws.http, {
    sourceId: connection.source.id,
    destinationId: connection.destination.id,
    start: job.start,
    end: job.end,
    granularity,
  });
  const mapped = mapDeliverySummary(summary.metrics, {
    prefix: ctx.config.prefix,
    timestamp: job.start / 1000,
    intervalS: ctx.config.schedule.bucketMs / 1000,
    tags: connectionTags(ws.discovery.workspace.slug, connection.source, connection.destination, ws.tags),
  });
  // Odd single values are skipped with a warning; a summary with metrics but not one number in
  // them is a changed or broken API, and the bucket must not be checkpointed as if it were empty.
  if (mapped.points.length === 0 && summary.metrics.length > 0) {
    const sample = summary.metrics[0];
    throw new UpstreamError(
      `Segment returned delivery metrics without a single numeric value (e.g. '${sample?.metricName}' = ${JSON.stringify(sample?.total)}); the API may have changed — please report it`,
      { retryable: false },
    );
  }
  warnOnce(ctx, mapped.warnings);
  const owner = ownerKey(job.stream, job.start);
  return { job, points: mapped.points.map((p) => ({ ...p, owner })) };
}

async function fetchEvents(job: EventsJob, ctx: FetchContext): Promise<JobResult> {
  const { ws } = job;
  const known = new Map(ws.discovery.sources.map((s) => [s.id, s]));
  const filtered = ws.settings.include.length > 0 || ws.settings.exclude.length > 0;
  const entries = await getEventVolume(ws.http, {
    start: job.start,
    end: job.end,
    granularity: job.granularity,
    groupBy: ["source", ...ctx.config.eventsGroupBy],
    ...(filtered ? { sourceIds: [...known.keys()] } : {}),
  });
  const series = entries.flatMap((entry) => {
    const id = entry.source?.id;
    const source = id === undefined ? undefined : known.get(id);
    // Without a source we cannot tag the point; with a filter, other sources are not ours.
    if (!id || (!source && filtered)) return [];
    const tags = sourceTags(
      ws.discovery.workspace.slug,
      { id, slug: source?.slug ?? entry.source?.slug ?? id },
      ws.tags,
    );
    if (ctx.config.eventsGroupBy.includes("eventName")) tags.push(`event_name:${entry.eventName || "none"}`);
    if (ctx.config.eventsGroupBy.includes("eventType")) tags.push(`event_type:${entry.eventType || "none"}`);
    return [{ tags, series: entry.series }];
  });
  const bucketMs = ctx.config.schedule.bucketMs;
  const points = mapEventVolume(series, {
    prefix: ctx.config.prefix,
    bucketMs,
    wanted: (start) => start >= job.start && start + bucketMs <= job.end,
  });
  return { job, points: points.map((p) => ({ ...p, owner: ownerKey(job.stream, p.timestamp * 1000) })) };
}

async function fetchUsage(job: UsageJob, ctx: FetchContext): Promise<JobResult> {
  const { ws } = job;
  const rows = await getMonthUsage(ws.http, job.period);
  const points = mapUsage(rows, {
    prefix: ctx.config.prefix,
    workspaceSlug: ws.discovery.workspace.slug,
    sources: new Map(ws.discovery.sources.map((s) => [s.id, s.slug])),
    tags: ws.tags,
    timestamp: Math.floor(ctx.clock() / 1000),
  });
  const owner = ownerKey(job.stream, job.start);
  return { job, points: points.map((p) => ({ ...p, owner })) };
}

/**
 * Error details of one connection for all of its buckets of this run. No points is a valid answer
 * (no failures, or Delivery Overview not available to the token: design §5 says the run then goes
 * on as if error details were off), and settles the buckets' error-details part.
 */
async function fetchFailures(job: FailuresJob, ctx: FetchContext): Promise<JobResult> {
  const { ws, connection } = job;
  const read = await ws.errorDetails.readBuckets({
    sourceId: connection.source.id,
    destinationId: connection.destination.id,
    buckets: job.buckets,
    bucketMs: ctx.config.schedule.bucketMs,
    now: ctx.clock(),
    prefix: ctx.config.prefix,
    tags: connectionTags(ws.discovery.workspace.slug, connection.source, connection.destination, ws.tags),
  });
  if (read && read.unreachable.length > 0) {
    warnOnce(ctx, [
      {
        key: `failures-unreachable:${ws.id}`,
        message: `some buckets of ${ws.discovery.workspace.slug} are older than Delivery Overview serves: they are exported without error details (e.g. ${read.unreachable.length} of ${connection.source.slug} → ${connection.destination.name || connection.destination.catalogName})`,
      },
    ]);
  }
  const points = read?.points ?? [];
  return { job, points: points.map((p) => ({ ...p, owner: ownerKey(job.stream, p.timestamp * 1000) })) };
}

export function fetchAndMap(job: Job, ctx: FetchContext): Promise<JobResult> {
  switch (job.kind) {
    case "usage":
      return fetchUsage(job, ctx);
    case "delivery":
      return fetchDelivery(job, ctx);
    case "failures":
      return fetchFailures(job, ctx);
    default:
      return fetchEvents(job, ctx);
  }
}
