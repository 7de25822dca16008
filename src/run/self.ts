// Sends a run's health series through the run's backend (design §5: self-monitoring goes through the
// same sink). Best effort, on a sink of its own with a short timeout (the run's may have been stopped
// by its deadline): a failure here is logged and changes neither the exit code nor the checkpoint.
import type { CommonConfig } from "../config/types.js";
import type { RunSummary } from "../domain.js";
import { selfMetricPoints } from "../mapping/self.js";
import { tagPair } from "../mapping/tags.js";
import type { RunDeps, Session } from "./session.js";

/** Returns the number of requests the health series took (0 when not sent). */
export async function submitSelfMetrics(
  config: CommonConfig,
  summary: RunSummary,
  session: Session,
  deps: RunDeps,
): Promise<number> {
  // Bounded: after a deadline or a signal one short try, so a hung backend cannot stretch the run.
  const sink = await session.openHealthSink(session.stoppedReason() !== undefined ? 0 : 1);
  if (!sink) return 0;
  const points = selfMetricPoints(summary, {
    prefix: config.prefix,
    tags: config.tags.map(tagPair),
    timestamp: Math.floor(deps.now() / 1000),
    segmentCalls: session.segmentCalls,
  });
  try {
    const outcome = await sink.submit(points.map((p) => ({ ...p, owner: "self" })));
    const failure = outcome.failed.values().next();
    if (!failure.done) deps.logger.warn(`could not submit the exporter's own metrics: ${failure.value}`);
    return outcome.requests;
  } catch (error) {
    deps.logger.warn({ err: error }, "could not submit the exporter's own metrics");
    return 0;
  } finally {
    await sink.close();
  }
}
