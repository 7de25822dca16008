// Sends a run's health series. Best effort, on a sink of its own (the run's may be stopped by the
// deadline): a failure here is logged and changes neither the exit code nor the checkpoint.
import type { CommonConfig } from "../config/types.js";
import { DatadogSink } from "../datadog/sink.js";
import { selfMetricPoints } from "../mapping/self.js";
import type { RunDeps, Session } from "./session.js";

export interface RunCounts {
  workspaces: ReadonlyArray<{
    workspace: string;
    bucketsExported: number;
    bucketsReread: number;
    bucketsMissed: number;
    bucketsFailed: number;
    lagMs?: number | undefined;
  }>;
  points: number;
  durationMs: number;
}

export async function submitSelfMetrics(
  config: CommonConfig,
  command: string,
  counts: RunCounts,
  session: Session,
  deps: RunDeps,
): Promise<void> {
  if (!config.datadog) return;
  const points = selfMetricPoints({
    prefix: config.prefix,
    tags: config.tags,
    command,
    timestamp: Math.floor(deps.now() / 1000),
    durationS: counts.durationMs / 1000,
    segmentCalls: session.segmentCalls,
    pointsSubmitted: counts.points,
    workspaces: counts.workspaces.map((w) => ({
      slug: w.workspace,
      exported: w.bucketsExported,
      reread: w.bucketsReread,
      missed: w.bucketsMissed,
      failed: w.bucketsFailed,
      lagS: w.lagMs === undefined ? undefined : Math.round(w.lagMs / 1000),
    })),
  });
  // Bounded: after a deadline or a signal one short try, so a hung Datadog cannot stretch the run.
  const stopped = session.stoppedReason() !== undefined;
  const sink = new DatadogSink({ ...config.datadog, logger: deps.logger, timeoutMs: 3_000, retries: stopped ? 0 : 1 });
  try {
    await sink.submitPoints(points.map((p) => ({ ...p, owner: "self" })));
  } catch (error) {
    deps.logger.warn({ err: error }, "could not submit the exporter's own metrics");
  } finally {
    await sink.close();
  }
}
