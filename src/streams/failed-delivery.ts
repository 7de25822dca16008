// Failed deliveries by reason (design §5, Error details): Delivery Overview's `failed-delivery` of a
// connection grouped by `discardReason`, one request sequence per connection per run for all of the
// run's buckets. A part of the connection's bucket, as the summary is.
import { FAILED_SERIES_SUFFIX, mapFailures } from "../mapping/failures.js";
import type { MetricPoint } from "../mapping/types.js";
import { DELIVERY_OVERVIEW_LIMITS } from "../plan/limits.js";
import { oldestOverviewStart } from "../plan/overview-windows.js";
import { DELIVERY_OVERVIEW_ENDPOINT } from "../segment/delivery-overview.js";
import { runJob } from "./jobs.js";
import type { StreamKind } from "./types.js";

export const failedDelivery: StreamKind = {
  name: "failed delivery",
  scope: "connection",
  endpoints: [DELIVERY_OVERVIEW_ENDPOINT],
  limits: DELIVERY_OVERVIEW_LIMITS,
  stamp: "bucket",
  enabled: (options) => options.errorDetails,
  oldestServed: oldestOverviewStart,
  jobs(stream, plan, slabFrom, slabTo) {
    return runJob(this, stream, plan, slabFrom, slabTo);
  },
  async read(job, ctx) {
    const { connection, ws } = job.stream;
    if (!connection) throw new Error("a failed-delivery job needs a connection");
    const read = await ws.overview.readBuckets(
      "failed-delivery",
      { sourceId: connection.source.id, destinationId: connection.destination.id },
      job.buckets,
      ctx.options.bucketMs,
      ctx.clock(),
      ["discardReason"],
    );
    // Not available to the token: no points, and the buckets' part is settled (design §5).
    if (!read) return [];
    if (read.unreachable.length > 0) {
      ctx.warnOnce(
        `failures-unreachable:${ws.id}`,
        `some buckets of ${ws.slug} are older than Delivery Overview serves: they are exported without error details (e.g. ${read.unreachable.length} of ${job.stream.label})`,
      );
    }
    const points: MetricPoint[] = [];
    for (const { window, series } of read.windows) {
      points.push(
        ...mapFailures(series.dataset, {
          prefix: ctx.options.prefix,
          bucketMs: ctx.options.bucketMs,
          buckets: window.buckets,
          tags: job.stream.tags,
        }),
      );
    }
    return points;
  },
  series: () => [
    { suffix: FAILED_SERIES_SUFFIX, kind: "count", extraTags: ["reason"], from: "failed-delivery by discardReason" },
  ],
};
