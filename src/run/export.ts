// One `export` run: config → plan → fetch → map → submit → checkpoint (design §1), over every
// workspace under one budget, then the run's own health series.
import type { ExportConfig } from "../config/types.js";
import type { RunSummary } from "../domain.js";
import { alignDown } from "../plan/buckets.js";
import {
  checkWatermarks,
  FIRST_STAGE,
  freshStart,
  planStream,
  reconcileWatermarks,
  stagesOf,
  streamPlan,
  taskCount,
  type Watermarks,
} from "../plan/schedule.js";
import { fromWatermarks, toWatermarks } from "../state/store.js";
import { usageDay } from "../streams/usage.js";
import { DAY } from "../units.js";
import { runPipeline } from "./pipeline.js";
import { planJobs, planWorkspace, type StreamPlanner, type WorkspacePlan } from "./plan.js";
import { kindOptions, pipelineOptions, planContext, verifySink } from "./run-context.js";
import { submitSelfMetrics } from "./self.js";
import { openSession, type RunDeps } from "./session.js";
import { summarize } from "./summary.js";
import { openWorkspaces } from "./workspace.js";

export type { RunDeps } from "./session.js";

const USAGE_STAGE = "usage";

/** Export plans each stream from its watermarks in the state file, and usage once per UTC day. */
function exportPlanner(config: ExportConfig, now: number, deps: RunDeps): StreamPlanner {
  const { schedule } = config;
  // Streams mostly stand at the same watermarks: they share one stored record (never changed once
  // made) instead of holding three ISO strings each in the state for the whole run.
  const records = new Map<string, Record<string, string>>();
  const recordOf = (marks: Watermarks) => {
    const key = Object.entries(marks).join(";");
    let record = records.get(key);
    if (!record) {
      record = fromWatermarks(marks);
      records.set(key, record);
    }
    return record;
  };
  // The UTC day a usage stream reads (the day `now` is in), and when it counts as done.
  const usageStart = alignDown(now, DAY);
  return {
    prunes: true,
    plan(ws, ref, scope, reach) {
      if (scope.schedule === "daily") {
        // On a fresh state, then at most once per UTC day; "done" only once the sink accepted it.
        if (ws.state.usage?.lastDay === usageDay(usageStart)) return undefined;
        const stage = {
          key: USAGE_STAGE,
          from: usageStart,
          to: usageStart + DAY,
          outOfReach: 0,
          outOfReachFrom: usageStart,
        };
        return streamPlan([stage], DAY, USAGE_STAGE);
      }
      const stored = toWatermarks(scope.load(ws, ref));
      const marks = stored
        ? trustedWatermarks(stored, ref.label, ws.slug, config, now, deps)
        : reconcileWatermarks({ [FIRST_STAGE]: freshStart(schedule, now, reach) }, schedule, now);
      return planStream(marks, schedule, now, reach);
    },
    save(ws, ref, scope, marks) {
      if (scope.schedule !== "daily") return scope.save(ws, ref, recordOf(marks));
      if (marks[USAGE_STAGE] === usageStart + DAY) ws.state.usage = { lastDay: usageDay(usageStart) };
    },
  };
}

/**
 * Watermarks read from the state file are not trusted blindly (plan/schedule.ts checkWatermarks): one
 * ahead of now or off a bucket boundary is moved back, with a warning; then they are fitted to the
 * current schedule's stages.
 */
function trustedWatermarks(
  stored: Watermarks,
  label: string,
  slug: string,
  config: ExportConfig,
  now: number,
  deps: RunDeps,
): Watermarks {
  const { marks, notes } = checkWatermarks(stored, config.schedule, now);
  for (const note of notes) {
    deps.logger.warn(
      { workspace: slug, stream: label, stage: note.stage, was: iso(note.was), now: iso(note.now) },
      note.why === "ahead"
        ? `the checkpoint of ${label} in ${slug} is ahead of now (was the clock stepped?); moved back to the newest due bucket so nothing is skipped`
        : `the checkpoint of ${label} in ${slug} is not on a bucket boundary (edited by hand?); moved back to the boundary`,
    );
  }
  return reconcileWatermarks(marks, config.schedule, now);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** When the bucket after the slowest stream's newest first read is due, if every stream is up to date. */
function nextDueAt(summary: RunSummary, plans: readonly WorkspacePlan[], config: ExportConfig, now: number) {
  if (summary.bucketsFailed > 0 || summary.bucketsPending > 0 || summary.lagMs === undefined) return undefined;
  const newestDone = now - summary.lagMs;
  const firstAge = stagesOf(config.schedule)[0]?.ageMs ?? 0;
  return plans.length > 0 ? iso(newestDone + config.schedule.bucketMs + firstAge) : undefined;
}

export async function runExport(config: ExportConfig, deps: RunDeps): Promise<RunSummary> {
  const { logger } = deps;
  const now = deps.now();
  const session = await openSession(config, deps);
  const options = kindOptions(config);
  const base = { command: "export" as const, sink: session.sink.label, dryRun: config.dryRun };
  let summary = summarize(base, [], undefined, now);
  let plans: WorkspacePlan[] = [];
  try {
    // One request before Segment is read: a wrong site or key is found first (issue #22).
    await verifySink(session, options);
    const workspaces = await openWorkspaces(config, (s) => session.segment(s), session.state, logger);
    const context = planContext(session, config, options, now, logger);
    const planner = exportPlanner(config, now, deps);
    plans = workspaces.map((ws) => planWorkspace(ws, context, planner));
    logger.debug({ streams: plans.reduce((n, p) => n + p.streams.length, 0) }, "planned");
    deps.onPlanned?.(plans.reduce((n, p) => n + p.streams.reduce((m, s) => m + taskCount(s.plan), 0), 0));
    const totals = await runPipeline(
      planJobs(plans, deps.now),
      plans,
      pipelineOptions(session, config, deps, options, deps.onProgress ? { onProgress: deps.onProgress } : {}),
    );
    summary = summarize(base, plans, totals, now);
    summary.nextDueAt = nextDueAt(summary, plans, config, now);
    summary.stopped = session.stoppedReason();
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
