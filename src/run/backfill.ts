// One `backfill`: every bucket of a past window, oldest first, chunked to the APIs' limits, and
// resumable: each stream's progress is checkpointed as batches are accepted, so a rerun of the same
// command after Ctrl-C or a crash continues where it stopped instead of redoing finished work.
import { createHash } from "node:crypto";
import type { BackfillConfig } from "../config/types.js";
import type { RunSummary } from "../domain.js";
import { BACKFILL_STAGE, planBackfillStream } from "../plan/backfill.js";
import { taskCount } from "../plan/schedule.js";
import type { BackfillState } from "../state/store.js";
import { runPipeline } from "./pipeline.js";
import { planJobs, planWorkspace, type StreamPlanner, type WorkspacePlan } from "./plan.js";
import { kindOptions, pipelineOptions, planContext, verifySink } from "./run-context.js";
import { submitSelfMetrics } from "./self.js";
import { openSession, type RunDeps } from "./session.js";
import { summarize } from "./summary.js";
import { openWorkspaces } from "./workspace.js";

/**
 * Same workspaces, sources and options → same id. The window is not part of it: rerunning
 * `--from -48h` a few minutes later asks for a slightly later window, and since a backfill runs
 * oldest first, what an interrupted run finished is still done for any window that does not start
 * earlier.
 */
function backfillId(config: BackfillConfig): string {
  const key = JSON.stringify([
    config.schedule.bucketMs,
    config.workspaces.map((w) => [w.apiUrl, [...w.include].sort(), [...w.exclude].sort()]),
    config.eventVolume,
    config.eventsGroupBy,
    config.prefix,
    config.shard ?? null,
  ]);
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

/** A backfill plans every stream over its window, from where an interrupted run of it stopped. */
function backfillPlanner(config: BackfillConfig, progress: BackfillState): StreamPlanner {
  return {
    prunes: false,
    plan(_ws, ref, _scope, reach) {
      const done = progress.streams[ref.key];
      return planBackfillStream(
        config.window,
        config.schedule.bucketMs,
        done === undefined ? undefined : Date.parse(done),
        reach,
      );
    },
    save(_ws, ref, _scope, marks) {
      const mark = marks[BACKFILL_STAGE];
      if (mark !== undefined) progress.streams[ref.key] = new Date(mark).toISOString();
    },
  };
}

export async function runBackfill(config: BackfillConfig, deps: RunDeps): Promise<RunSummary> {
  const { logger } = deps;
  const now = deps.now();
  const session = await openSession(config, deps);
  // A backfill reads buckets, not the daily usage reading.
  const options = { ...kindOptions(config), usage: false };
  const from = new Date(config.window.start).toISOString();
  const to = new Date(config.window.end).toISOString();
  const base = { command: "backfill" as const, sink: session.sink.label, dryRun: config.dryRun };
  const window = { from, to, bucket: config.schedule.bucketMs / 1000, planned: 0, resumed: false };
  let summary: RunSummary = { ...summarize(base, [], undefined, now), backfill: window };
  let plans: WorkspacePlan[] = [];
  try {
    await verifySink(session, options);
    const workspaces = await openWorkspaces(config, (s) => session.segment(s), session.state, logger);
    const id = backfillId(config);
    const previous = session.state.backfill;
    const resumable = previous?.id === id && Date.parse(previous.from) <= config.window.start;
    if (previous && !resumable) {
      logger.warn(
        { from: previous.from, to: previous.to },
        "an unfinished backfill with other options or an earlier window is replaced by this one; rerun it afterwards to finish it",
      );
    }
    const progress: BackfillState = resumable ? { ...previous, from, to } : { id, from, to, streams: {} };
    session.state.backfill = progress;

    const context = planContext(session, config, options, now, logger);
    const planner = backfillPlanner(config, progress);
    plans = workspaces.map((ws) => planWorkspace(ws, context, planner));
    window.resumed = Object.keys(progress.streams).length > 0;
    window.planned = plans.reduce((n, p) => n + p.streams.reduce((m, s) => m + taskCount(s.plan), 0), 0);
    deps.onPlanned?.(window.planned);
    if (window.resumed) logger.info({ remaining: window.planned }, "resuming an interrupted backfill");

    const totals = await runPipeline(
      planJobs(plans, deps.now),
      plans,
      pipelineOptions(session, config, deps, options, {
        ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
        allFirstReads: true,
      }),
    );
    summary = { ...summarize(base, plans, totals, now), backfill: window };
    summary.stopped = session.stoppedReason();
    if (!config.dryRun && summary.bucketsFailed === 0 && summary.bucketsPending === 0) {
      delete session.state.backfill;
      await session.checkpoint();
    }
    return summary;
  } finally {
    summary.segmentCalls = session.segmentCallCount();
    summary.durationMs = session.elapsedMs();
    if (!config.dryRun && summary.workspaces.length > 0) {
      summary.healthRequests = await submitSelfMetrics(config, summary, session, deps);
    }
    await session.close();
  }
}
