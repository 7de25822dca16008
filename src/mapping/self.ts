// `<prefix>.exporter.*`: the exporter's own health, so a Datadog monitor can tell a dead or lagging
// exporter. Run-level series carry only the user's tags (plus `command`); per-workspace ones add
// `workspace`. Stamped at the end of the run.
import type { MetricPoint } from "./types.js";

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
  const gauge = (name: string, value: number, tags: readonly string[]): MetricPoint => ({
    metric: `${report.prefix}.exporter.${name}`,
    kind: "gauge",
    timestamp: at,
    value,
    tags,
  });
  const count = (name: string, value: number, tags: readonly string[]): MetricPoint => ({
    ...gauge(name, value, tags),
    kind: "count",
  });
  const points: MetricPoint[] = [
    gauge("heartbeat", 1, run),
    gauge("run.duration", report.durationS, run),
    count("points.submitted", report.pointsSubmitted, run),
  ];
  for (const [key, n] of report.segmentCalls) {
    const [endpoint, status] = key.split(" ");
    points.push(count("segment.calls", n, [...run, `endpoint:${endpoint}`, `status:${status}`]));
  }
  for (const ws of report.workspaces) {
    const tags = [...run, `workspace:${ws.slug}`];
    points.push(
      count("buckets.exported", ws.exported, tags),
      count("buckets.reread", ws.reread, tags),
      count("buckets.missed", ws.missed, tags),
      count("buckets.failed", ws.failed, tags),
    );
    if (ws.lagS !== undefined) points.push(gauge("lag", ws.lagS, tags));
  }
  return points;
}
