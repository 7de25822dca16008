// A Delivery Overview step as a stream kind (reference §3.G): one request sequence per source or
// connection per run over every bucket of the run, merged into as few windows as the limits allow,
// mapped to one count point per bucket (and reason). Failures by reason and the four pipeline steps
// are all this one shape; each names its step, scope, series and the setting that turns it on.
import { mapFailures } from "../mapping/failures.js";
import type { MetricPoint } from "../mapping/types.js";
import { DELIVERY_OVERVIEW_LIMITS } from "../plan/limits.js";
import { oldestOverviewStart } from "../plan/overview-windows.js";
import { DELIVERY_OVERVIEW_ENDPOINT, type OverviewStep } from "../segment/delivery-overview.js";
import { runJob } from "./jobs.js";
import type { KindOptions, SeriesSpec, StreamKind } from "./types.js";

export interface OverviewStepSpec {
  name: string;
  scope: "source" | "connection";
  step: OverviewStep;
  /** Series suffix, without the prefix. */
  suffix: string;
  /** Grouped by `discardReason`, one point per reason; else one total per bucket. */
  byReason: boolean;
  enabled: (options: KindOptions) => boolean;
  /** What the warning about buckets Delivery Overview no longer serves says they lack. */
  missing: string;
  from: string;
}

export function overviewStepKind(spec: OverviewStepSpec): StreamKind {
  const kind: StreamKind = {
    name: spec.name,
    scope: spec.scope,
    endpoints: [DELIVERY_OVERVIEW_ENDPOINT],
    limits: DELIVERY_OVERVIEW_LIMITS,
    stamp: "bucket",
    enabled: spec.enabled,
    oldestServed: oldestOverviewStart,
    jobs: (stream, plan, slabFrom, slabTo) => runJob(kind, stream, plan, slabFrom, slabTo),
    async read(job, ctx) {
      const { ws, source, connection } = job.stream;
      if (!source) throw new Error(`a ${spec.name} job needs a source`);
      const read = await ws.overview.readBuckets(
        spec.step,
        { sourceId: source.id, destinationId: connection?.destination.id },
        job.buckets,
        ctx.options.bucketMs,
        ctx.clock(),
        spec.byReason ? ["discardReason"] : [],
      );
      // Not available to the token: no points, and the buckets' part is settled (design §5).
      if (!read) return [];
      if (read.unreachable.length > 0) {
        ctx.warnOnce(
          `${spec.step}-unreachable:${ws.id}`,
          `some buckets of ${ws.slug} are older than Delivery Overview serves: they are exported without ${spec.missing} (e.g. ${read.unreachable.length} of ${job.stream.label})`,
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
            suffix: spec.suffix,
            byReason: spec.byReason,
          }),
        );
      }
      return points;
    },
    series: (): SeriesSpec[] => [
      { suffix: spec.suffix, kind: "count", extraTags: spec.byReason ? ["reason"] : [], from: spec.from },
    ],
  };
  return kind;
}
