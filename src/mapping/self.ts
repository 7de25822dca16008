// `<prefix>.exporter.*`: the exporter's own health, so a Datadog monitor can tell a dead or lagging
// exporter. Run-level series carry only the user's tags (plus `command`); per-workspace ones add
// `workspace`. Stamped at the end of the run.
import type { MetricPoint } from "./types.js";

/** Suffixes of the health series (`<prefix>.<suffix>`): one table, which dashboards and monitors query. */
export const EXPORTER_SERIES = {
  heartbeat: "exporter.heartbeat",
  runDuration: "exporter.run.duration",
  pointsSubmitted: "exporter.points.submitted",
  segmentCalls: "exporter.segment.calls",
  bucketsExported: "exporter.buckets.exported",
  bucketsReread: "exporter.buckets.reread",
  bucketsMissed: "exporter.buckets.missed",
  bucketsFailed: "exporter.buckets.failed",
  lag: "exporter.lag",
} as const;

export interface WorkspaceReport {
  slug: string;
  exported: number;
  reread: number;
  missed: number;
  failed: number;
  /** now − end of the newest bucket every stream of the workspace has exported, in seconds. */
  lagS?: number | undefined;
}

export interface RunReport {
  prefix: string;
  tags: readonly string[];
  command: string;
  timestamp: number;
  durationS: number;
  /** `endpoint status` → number of answers (status "error" for transport failures). */
  segmentCalls: ReadonlyMap<string, number>;
  pointsSubmitted: number;
  workspaces: readonly WorkspaceReport[];
}

export function selfMetricPoints(report: RunReport): MetricPoint[] {
  const run = [...report.tags, `command:${report.command}`];
  const at = report.timestamp;
  const gauge = (suffix: string, value: number, tags: readonly string[]): MetricPoint => ({
    metric: `${report.prefix}.${suffix}`,
    kind: "gauge",
    timestamp: at,
    value,
    tags,
  });
  const count = (suffix: string, value: number, tags: readonly string[]): MetricPoint => ({
    ...gauge(suffix, value, tags),
    kind: "count",
  });
  const points: MetricPoint[] = [
    gauge(EXPORTER_SERIES.heartbeat, 1, run),
    gauge(EXPORTER_SERIES.runDuration, report.durationS, run),
    count(EXPORTER_SERIES.pointsSubmitted, report.pointsSubmitted, run),
  ];
  for (const [key, n] of report.segmentCalls) {
    const [endpoint, status] = key.split(" ");
    points.push(count(EXPORTER_SERIES.segmentCalls, n, [...run, `endpoint:${endpoint}`, `status:${status}`]));
  }
  for (const ws of report.workspaces) {
    const tags = [...run, `workspace:${ws.slug}`];
    points.push(
      count(EXPORTER_SERIES.bucketsExported, ws.exported, tags),
      count(EXPORTER_SERIES.bucketsReread, ws.reread, tags),
      count(EXPORTER_SERIES.bucketsMissed, ws.missed, tags),
      count(EXPORTER_SERIES.bucketsFailed, ws.failed, tags),
    );
    if (ws.lagS !== undefined) points.push(gauge(EXPORTER_SERIES.lag, ws.lagS, tags));
  }
  return points;
}
