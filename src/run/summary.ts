// The one summary of a run (domain.ts RunSummary), built once from the plan and the pipeline's totals;
// the log line, `backfill --json` and the health series are all read from it.
import type { RunSummary, WorkspaceSummary } from "../domain.js";
import type { PipelineTotals } from "./pipeline.js";
import type { WorkspacePlan } from "./plan.js";

export function summarize(
  base: Pick<RunSummary, "command" | "sink" | "dryRun">,
  plans: readonly WorkspacePlan[],
  totals: PipelineTotals | undefined,
  now: number,
): RunSummary {
  const workspaces = plans.map((p): WorkspaceSummary => {
    const t = totals?.byWorkspace.get(p.ws.id);
    const exportedBy = { ...(t?.exported ?? {}) };
    return {
      workspace: p.ws.slug,
      connections: p.connections,
      sources: p.sources,
      bucketsExported: Object.values(exportedBy).reduce((a, b) => a + b, 0),
      exportedBy,
      bucketsReread: t?.reread ?? 0,
      bucketsFailed: t?.failed ?? 0,
      bucketsMissed: p.missed,
      bucketsPending: t?.pending ?? 0,
      rereadsSkipped: p.rereadsSkipped,
      lagMs: t?.oldestFirstMark === undefined ? undefined : Math.max(0, now - t.oldestFirstMark),
    };
  });
  const sum = (f: (w: WorkspaceSummary) => number) => workspaces.reduce((n, w) => n + f(w), 0);
  const exportedBy: Record<string, number> = {};
  for (const w of workspaces)
    for (const [k, v] of Object.entries(w.exportedBy)) exportedBy[k] = (exportedBy[k] ?? 0) + v;
  const lags = workspaces.flatMap((w) => (w.lagMs === undefined ? [] : [w.lagMs]));
  return {
    ...base,
    workspaces,
    connections: sum((w) => w.connections),
    sources: sum((w) => w.sources),
    bucketsExported: sum((w) => w.bucketsExported),
    exportedBy,
    bucketsReread: sum((w) => w.bucketsReread),
    bucketsFailed: sum((w) => w.bucketsFailed),
    bucketsMissed: sum((w) => w.bucketsMissed),
    bucketsPending: sum((w) => w.bucketsPending),
    rereadsSkipped: sum((w) => w.rereadsSkipped),
    points: totals?.points ?? 0,
    pointsRejected: totals?.rejected ?? 0,
    sinkRequests: totals?.sinkRequests ?? 0,
    healthRequests: 0,
    segmentCalls: 0,
    durationMs: 0,
    lagMs: lags.length > 0 ? Math.max(...lags) : undefined,
    failures: totals?.failures ?? [],
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `60 connection buckets, 10 event-volume buckets`, or `no new bucket`. */
function describeExported(exportedBy: Readonly<Record<string, number>>): string {
  const parts = Object.entries(exportedBy)
    .filter(([, n]) => n > 0)
    .map(([noun, n]) => plural(n, `${noun} bucket`));
  return parts.length > 0 ? parts.join(", ") : "no new bucket";
}

/** `5m`, `12s`: a short relative time for people. */
function inAbout(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

/** The run's one log line: counts named by what they count (issue #22). */
export function describeRun(summary: RunSummary, now: number): string {
  const verb = summary.dryRun ? "dry run: printed" : "exported";
  const scope = [plural(summary.connections, "connection"), plural(summary.sources, "source")].join(", ");
  const reread = summary.bucketsReread > 0 ? `, re-read ${plural(summary.bucketsReread, "bucket")}` : "";
  const next =
    summary.bucketsExported === 0 && summary.nextDueAt
      ? `; next bucket due at ${summary.nextDueAt} (in ${inAbout(Date.parse(summary.nextDueAt) - now)})`
      : "";
  // "the remote-write receiver" reads "1 remote-write receiver request".
  const sink = summary.sink.replace(/^the /, "");
  const refused =
    summary.pointsRejected > 0 ? `, ${plural(summary.pointsRejected, "point")} refused as already stored` : "";
  const sent = summary.dryRun
    ? `${plural(summary.points, "point")}`
    : `${plural(summary.points, "point")} in ${plural(summary.sinkRequests, `${sink} request`)}${
        summary.healthRequests > 0 ? ` (+${summary.healthRequests} for the run's health series)` : ""
      }${refused}`;
  const seconds = Math.max(1, Math.round(summary.durationMs / 1000));
  return `${verb} ${describeExported(summary.exportedBy)} (${scope})${reread}: ${sent}, ${plural(summary.segmentCalls, "Segment call")}, ${seconds}s${next}`;
}
