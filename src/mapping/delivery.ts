// Delivery-metrics summary → Datadog points: the series table of design §5 in one place.
// A summary covers exactly one bucket; counts become `count` points with interval = bucket,
// averages and percentiles become `gauge` points. Nothing here sums or averages percentiles.
import { seriesName } from "./prefix.js";
import type { Mapped, MappingWarning, MetricKind, MetricPoint, Tag } from "./types.js";

export interface DeliveryMetricValue {
  metricName: string;
  /** Unvalidated on purpose: a missing or non-numeric value is skipped with a warning. */
  total?: unknown;
  breakdown?: ReadonlyArray<{ metricName: string; value?: unknown }> | null;
}

export interface BucketContext {
  prefix: string;
  /** Bucket start, POSIX seconds. */
  timestamp: number;
  intervalS: number;
  tags: readonly Tag[];
}

interface SeriesSpec {
  suffix: string;
  kind: MetricKind;
}

/** Segment metric (or breakdown) name → series suffix and type. */
export const DELIVERY_SERIES: Readonly<Record<string, SeriesSpec>> = {
  successes: { suffix: "delivery.successes", kind: "count" },
  successes_on_first_attempt: { suffix: "delivery.successes.first_attempt", kind: "count" },
  successes_after_retry: { suffix: "delivery.successes.after_retry", kind: "count" },
  discarded: { suffix: "delivery.discarded", kind: "count" },
  expired: { suffix: "delivery.expired", kind: "count" },
  retried: { suffix: "delivery.retried", kind: "count" },
  time_to_success_average: { suffix: "delivery.time_to_success.avg", kind: "gauge" },
  time_to_success_p95: { suffix: "delivery.time_to_success.p95", kind: "gauge" },
  time_to_first_attempt_average: { suffix: "delivery.time_to_first_attempt.avg", kind: "gauge" },
  time_to_first_attempt_p95: { suffix: "delivery.time_to_first_attempt.p95", kind: "gauge" },
};

/** The top-level names Segment documents; one missing from a response is worth a warning. */
const EXPECTED_METRICS = ["successes", "discarded", "expired", "retried", "time_to_success", "time_to_first_attempt"];

/** Latency families: their `total` has no documented meaning and is not exported (design §5). */
function isLatencyFamily(name: string): boolean {
  return name.startsWith("time_to_");
}

export function snakeName(name: string): string {
  return (
    name
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, "_")
      .replace(/^_+|_+$/g, "") || "unnamed"
  );
}

/**
 * Unknown names follow design §5: `<p>.delivery.<snake_name>`, a count — except statistics inside a
 * latency family (e.g. a future `time_to_success_p99`), which are gauges: a percentile sent as a
 * count would be summed by every Datadog rollup.
 */
function specFor(name: string, parent: string | undefined): { spec: SeriesSpec; known: boolean } {
  const known = DELIVERY_SERIES[name];
  if (known) return { spec: known, known: true };
  const gauge = isLatencyFamily(parent ?? name);
  return { spec: { suffix: `delivery.${snakeName(name)}`, kind: gauge ? "gauge" : "count" }, known: false };
}

function numeric(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function mapDeliverySummary(metrics: readonly DeliveryMetricValue[], ctx: BucketContext): Mapped {
  const points: MetricPoint[] = [];
  const warnings: MappingWarning[] = [];
  const emit = (name: string, parent: string | undefined, raw: unknown) => {
    const { spec, known } = specFor(name, parent);
    if (!known) {
      warnings.push({
        key: `unknown-metric:${name}`,
        message: `Segment returned an unknown delivery metric '${name}'; exporting it as ${ctx.prefix}.${spec.suffix} (${spec.kind})`,
      });
    }
    const value = numeric(raw);
    if (value === undefined) {
      warnings.push({
        key: `non-numeric:${name}`,
        message: `Segment returned ${raw === undefined ? "no value" : `a non-numeric value (${JSON.stringify(raw)})`} for delivery metric '${name}'; skipped, not sent as zero`,
      });
      return;
    }
    points.push({
      metric: seriesName(ctx.prefix, spec.suffix),
      kind: spec.kind,
      timestamp: ctx.timestamp,
      value,
      ...(spec.kind === "count" ? { intervalS: ctx.intervalS } : { unit: "milliseconds" as const }),
      tags: ctx.tags,
    });
  };
  for (const metric of metrics) {
    if (!isLatencyFamily(metric.metricName)) emit(metric.metricName, undefined, metric.total);
    for (const part of metric.breakdown ?? []) emit(part.metricName, metric.metricName, part.value);
  }
  const present = new Set(metrics.map((m) => m.metricName));
  for (const name of EXPECTED_METRICS) {
    if (!present.has(name)) {
      warnings.push({
        key: `missing:${name}`,
        message: `Segment returned no '${name}' delivery metric for some buckets; nothing is sent for it there (not a zero)`,
      });
    }
  }
  return { points, warnings };
}
