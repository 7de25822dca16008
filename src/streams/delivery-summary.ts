// The delivery-metrics summary of a connection (reference §3.D): one request per bucket, since the
// answer is one total over the requested range. Its counts and latency gauges are the core series.
import { UpstreamError } from "../errors.js";
import { DELIVERY_SERIES, mapDeliverySummary } from "../mapping/delivery.js";
import { DELIVERY_METRICS_LIMITS, oldestFetchableStart } from "../plan/limits.js";
import { getDeliverySummary } from "../segment/delivery.js";
import { bucketJobs } from "./jobs.js";
import type { StreamKind } from "./types.js";

export const deliverySummary: StreamKind = {
  name: "delivery summary",
  scope: "connection",
  endpoints: ["delivery-metrics"],
  limits: DELIVERY_METRICS_LIMITS,
  stamp: "bucket",
  enabled: () => true,
  oldestServed: (bucketMs, now) => oldestFetchableStart(DELIVERY_METRICS_LIMITS, bucketMs, now),
  jobs(stream, plan, slabFrom, slabTo, clock) {
    return bucketJobs(this, stream, plan, slabFrom, slabTo, clock);
  },
  async read(job, ctx) {
    const { connection, ws } = job.stream;
    if (!connection) throw new Error("a delivery summary job needs a connection");
    if (!job.granularity) {
      ctx.warnOnce(
        `summary-unreachable:${ws.id}`,
        `some buckets of ${ws.slug} are older than Segment serves delivery summaries for; they are exported without them`,
      );
      return [];
    }
    const summary = await getDeliverySummary(ws.http, {
      sourceId: connection.source.id,
      destinationId: connection.destination.id,
      start: job.start,
      end: job.end,
      granularity: job.granularity,
    });
    const mapped = mapDeliverySummary(summary.metrics, {
      prefix: ctx.options.prefix,
      timestamp: job.start / 1000,
      intervalS: ctx.options.bucketMs / 1000,
      tags: job.stream.tags,
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
    for (const w of mapped.warnings) ctx.warnOnce(w.key, w.message);
    return mapped.points;
  },
  series: () =>
    Object.entries(DELIVERY_SERIES).map(([from, spec]) => ({
      suffix: spec.suffix,
      kind: spec.kind,
      ...(spec.kind === "gauge" ? { unit: "milliseconds" as const } : {}),
      from,
    })),
};
