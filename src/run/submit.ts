// The submit step of a wave: pack the points into as few requests as the limits allow and send
// them (or print them as NDJSON with --dry-run). Reports, per owner, what was not accepted.
import type { Logger } from "pino";
import { packBatches, toSeries } from "../datadog/batch.js";
import type { DatadogSink } from "../datadog/sink.js";
import type { JobResult } from "./fetch.js";
import { ownersOfJob } from "./jobs.js";

export interface WaveOutcome {
  points: number;
  requests: number;
  /** owner → why it failed (fetch or submit). */
  failed: Map<string, string>;
}

export async function submitPoints(
  results: readonly JobResult[],
  deps: { sink: DatadogSink | undefined; dryRun: boolean; stdout: (text: string) => void; logger: Logger },
): Promise<WaveOutcome> {
  const failed = new Map<string, string>();
  for (const r of results) {
    if (r.error !== undefined) for (const o of ownersOfJob(r.job)) failed.set(o, r.error);
  }
  const points = results.flatMap((r) => (r.error === undefined ? r.points : []));
  if (points.length === 0) return { points: 0, requests: 0, failed };
  if (deps.dryRun || !deps.sink) {
    const lines = toSeries(points).map(({ payload }) =>
      JSON.stringify({ ...payload, type: payload.type === 1 ? "count" : "gauge" }),
    );
    deps.stdout(`${lines.join("\n")}\n`);
    return { points: points.length, requests: 0, failed };
  }
  const batches = packBatches(points);
  const outcome = await deps.sink.submit(batches);
  for (const [owner, reason] of outcome.failed) failed.set(owner, reason);
  deps.logger.debug({ points: points.length, requests: outcome.requests }, "submitted");
  return { points: points.length, requests: outcome.requests, failed };
}
