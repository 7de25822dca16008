// One `backfill`: every bucket of a past window, oldest first, chunked to the APIs' limits, and
// resumable: each stream's progress is checkpointed as batches are accepted, so a rerun of the same
// command after Ctrl-C or a crash continues where it stopped instead of redoing finished work.
import { createHash } from "node:crypto";
import type { BackfillConfig } from "../config/types.js";
import { BACKFILL_STAGE, planBackfillStream } from "../plan/backfill.js";
import { taskCount } from "../plan/schedule.js";
import { inShard } from "../plan/shard.js";
import type { BackfillState } from "../state/store.js";
import { assertHistoricalEnabled } from "./historical.js";
import { deliveryJobs, deliveryStream, eventsJobs, eventsStream, type Job, oldestFirst } from "./jobs.js";
import { runPipeline, type Stream, sessionPipeline } from "./pipeline.js";
import { submitSelfMetrics } from "./self.js";
import { openSession, type RunDeps } from "./session.js";
import { openWorkspaces } from "./workspace.js";

export interface BackfillSummary {
  from: string;
  to: string;
  bucket: number;
  workspaces: string[];
  connections: number;
  /** Buckets this run set out to export (after what an earlier, interrupted run finished). */
  planned: number;
  resumed: boolean;
  exported: number;
  failed: number;
  pending: number;
  points: number;
  datadogRequests: number;
  segmentCalls: number;
  durationMs: number;
  failures: string[];
  stopped?: string | undefined;
}

export interface BackfillHooks {
  onPlanned?: (buckets: number) => void;
  onProgress?: (buckets: number) => void;
}

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

export async function runBackfill(config: BackfillConfig, deps: RunDeps & BackfillHooks): Promise<BackfillSummary> {
  const { logger } = deps;
  const now = deps.now();
  const { bucketMs } = config.schedule;
  const session = await openSession(config, deps);
  const summary: BackfillSummary = {
    from: new Date(config.window.start).toISOString(),
    to: new Date(config.window.end).toISOString(),
    bucket: bucketMs / 1000,
    workspaces: [],
    connections: 0,
    planned: 0,
    resumed: false,
    exported: 0,
    failed: 0,
    pending: 0,
    points: 0,
    datadogRequests: 0,
    segmentCalls: 0,
    durationMs: 0,
    failures: [],
  };
  try {
    const workspaces = await openWorkspaces(config, session, logger);
    summary.workspaces = workspaces.map((w) => w.discovery.workspace.slug);
    if (config.schedule.historical) await assertHistoricalEnabled(config, session);

    const id = backfillId(config);
    const previous = session.state.backfill;
    const resumable = previous?.id === id && Date.parse(previous.from) <= config.window.start;
    if (previous && !resumable) {
      logger.warn(
        { from: previous.from, to: previous.to },
        "an unfinished backfill with other options or an earlier window is replaced by this one; rerun it afterwards to finish it",
      );
    }
    const progress: BackfillState = resumable
      ? { ...previous, from: summary.from, to: summary.to }
      : { id, from: summary.from, to: summary.to, streams: {} };
    session.state.backfill = progress;

    const streams = new Map<string, Stream>();
    const sources: Array<Iterable<Job>> = [];
    const errorDetails = config.errorDetails !== false;
    const addStream = (key: string, parts = 1) => {
      const done = progress.streams[key];
      const plan = planBackfillStream(config.window, bucketMs, done === undefined ? undefined : Date.parse(done));
      streams.set(key, {
        plan,
        parts,
        succeeded: new Set(),
        save: (marks) => {
          const mark = marks[BACKFILL_STAGE];
          if (mark !== undefined) progress.streams[key] = new Date(mark).toISOString();
        },
      });
      return plan;
    };
    for (const ws of workspaces) {
      const active = ws.discovery.active.filter((c) => inShard(deliveryStream(ws, c), config.shard));
      summary.connections += active.length;
      for (const c of active) {
        const plan = addStream(deliveryStream(ws, c), errorDetails ? 2 : 1);
        sources.push(deliveryJobs(ws, c, plan, deps.now, errorDetails));
      }
      if (config.eventVolume && ws.discovery.sources.length > 0 && inShard(eventsStream(ws), config.shard)) {
        sources.push(eventsJobs(ws, addStream(eventsStream(ws)), now));
      }
    }
    summary.resumed = Object.keys(progress.streams).length > 0;
    summary.planned = [...streams.values()].reduce((n, s) => n + taskCount(s.plan), 0);
    deps.onPlanned?.(summary.planned);
    if (summary.resumed) logger.info({ remaining: summary.planned }, "resuming an interrupted backfill");

    const totals = await runPipeline(
      oldestFirst(sources),
      streams,
      sessionPipeline(session, config, deps, {
        ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
        allFirstReads: true,
      }),
    );
    Object.assign(summary, {
      exported: totals.firstReads,
      failed: totals.failed,
      pending: totals.pending,
      points: totals.points,
      datadogRequests: totals.sinkRequests,
      failures: totals.failures,
    });
    summary.stopped = session.stoppedReason();
    if (!config.dryRun && totals.failed === 0 && totals.pending === 0) {
      delete session.state.backfill;
      await session.checkpoint();
    }
    return summary;
  } finally {
    summary.segmentCalls = session.segmentCallCount();
    summary.durationMs = session.elapsedMs();
    await session.close();
    if (!config.dryRun && summary.workspaces.length > 0) {
      await submitSelfMetrics(
        config,
        "backfill",
        {
          // Per-workspace backfill counts are not tracked separately; the totals go to the first.
          workspaces: summary.workspaces.map((workspace, i) => ({
            workspace,
            bucketsExported: i === 0 ? summary.exported : 0,
            bucketsReread: 0,
            bucketsMissed: 0,
            bucketsFailed: i === 0 ? summary.failed : 0,
          })),
          points: summary.points,
          durationMs: summary.durationMs,
        },
        session,
        deps,
      );
    }
  }
}
