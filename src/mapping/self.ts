// `<prefix>.exporter.*`: the exporter's own health, so a Datadog monitor can tell a dead or lagging
// exporter. Run-level series carry only the user's tags (plus `command`); per-workspace ones add
// `workspace`. Stamped at the end of the run.
import type { RunSummary } from "../domain.js";
import type { MetricPoint, MetricUnit, Tag } from "./types.js";

/** Suffixes of the health series (`<prefix>.<suffix>`): one table, which dashboards and monitors query. */
export const EXPORTER_SERIES = {
  heartbeat: "exporter.heartbeat",
  runDuration: "exporter.run.duration",
  pointsSubmitted: "exporter.points.submitted",
  /** Points a remote-write receiver refused as duplicates (design §5, Sinks). */
  pointsRejected: "exporter.points.rejected",
  segmentCalls: "exporter.segment.calls",
  bucketsExported: "exporter.buckets.exported",
  bucketsReread: "exporter.buckets.reread",
  bucketsMissed: "exporter.buckets.missed",
  bucketsFailed: "exporter.buckets.failed",
  lag: "exporter.lag",
} as const;

/**
 * The units of the health series that carry one (both seconds): the mapping below stamps them and the
 * dashboards of the other tools read them (remote write names them `…_seconds`).
 */
export const EXPORTER_UNITS: Readonly<Partial<Record<keyof typeof EXPORTER_SERIES, MetricUnit>>> = {
  runDuration: "seconds",
  lag: "seconds",
};

export interface HealthContext {
  prefix: string;
  /** The --tag tags. */
  tags: readonly Tag[];
  /** POSIX seconds: the end of the run. */
  timestamp: number;
  /** `endpoint status` → number of answers (status "error" for transport failures). */
  segmentCalls: ReadonlyMap<string, number>;
}

export function selfMetricPoints(summary: RunSummary, ctx: HealthContext): MetricPoint[] {
  const run: Tag[] = [...ctx.tags, ["command", summary.command]];
  const at = ctx.timestamp;
  const gauge = (suffix: string, value: number, tags: readonly Tag[], unit?: MetricUnit): MetricPoint => ({
    metric: `${ctx.prefix}.${suffix}`,
    kind: "gauge",
    timestamp: at,
    value,
    ...(unit ? { unit } : {}),
    tags,
  });
  const count = (suffix: string, value: number, tags: readonly Tag[]): MetricPoint => ({
    ...gauge(suffix, value, tags),
    kind: "count",
  });
  const points: MetricPoint[] = [
    gauge(EXPORTER_SERIES.heartbeat, 1, run),
    gauge(EXPORTER_SERIES.runDuration, summary.durationMs / 1000, run, EXPORTER_UNITS.runDuration),
    count(EXPORTER_SERIES.pointsSubmitted, summary.points, run),
    count(EXPORTER_SERIES.pointsRejected, summary.pointsRejected, run),
  ];
  for (const [key, n] of ctx.segmentCalls) {
    const [endpoint, status] = key.split(" ");
    points.push(
      count(EXPORTER_SERIES.segmentCalls, n, [...run, ["endpoint", endpoint ?? ""], ["status", status ?? ""]]),
    );
  }
  for (const ws of summary.workspaces) {
    const tags: Tag[] = [...run, ["workspace", ws.workspace]];
    points.push(
      count(EXPORTER_SERIES.bucketsExported, ws.bucketsExported, tags),
      count(EXPORTER_SERIES.bucketsReread, ws.bucketsReread, tags),
      count(EXPORTER_SERIES.bucketsMissed, ws.bucketsMissed, tags),
      count(EXPORTER_SERIES.bucketsFailed, ws.bucketsFailed, tags),
    );
    if (ws.lagMs !== undefined)
      points.push(gauge(EXPORTER_SERIES.lag, Math.round(ws.lagMs / 1000), tags, EXPORTER_UNITS.lag));
  }
  return points;
}
