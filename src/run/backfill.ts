// One `backfill`: every bucket of a past window, oldest first, chunked to the APIs' limits, and
// resumable: each stream's progress is checkpointed after every wave, so a rerun of the same
// command after Ctrl-C or a crash continues where it stopped instead of redoing finished work.
import { createHash } from "node:crypto";
import type { BackfillConfig } from "../config/settings.js";
import { BACKFILL_STAGE, planBackfillStream } from "../plan/backfill.js";
import type { BackfillState, WorkspaceState } from "../state/store.js";
import { discover } from "./discover.js";
import { assertHistoricalEnabled } from "./historical.js";
import { deliveryJobs, EVENTS_STREAM, eventsJobs, type Job } from "./jobs.js";
import { submitSelfMetrics } from "./self.js";
import { openSession, type RunDeps } from "./session.js";
import { runWaves, type Stream } from "./waves.js";

export interface BackfillSummary {
  from: string;
  to: string;
  bucket: number;
  workspace: string;
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
 * Same sources and options → same id. The window is not part of it: rerunning `--from -48h` a few
 * minutes later asks for a slightly later window, and since a backfill runs oldest first, what an
 * interrupted run finished is still done for any window that does not start earlier.
 */
function backfillId(config: BackfillConfig): string {
  const key = JSON.stringify([
    config.schedule.bucketMs,
    [...config.segment.sources].sort(),
    config.eventVolume,
    config.eventsGroupBy,
    config.prefix,
  ]);
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

export async function runBackfill(config: BackfillConfig, deps: RunDeps & BackfillHooks): Promise<BackfillSummary> {
  const { logger } = deps;
  const now = deps.now();
  const { bucketMs } = config.schedule;
  const session = await openSession(config, bucketMs, deps);
  const summary: BackfillSummary = {
    from: new Date(config.window.start).toISOString(),
    to: new Date(config.window.end).toISOString(),
    bucket: bucketMs / 1000,
    workspace: "",
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
    const discovery = await discover(session.http, config.segment.sources, logger);
    summary.workspace = discovery.workspace.slug;
    summary.connections = discovery.active.length;
    const ws: WorkspaceState = session.state.workspaces[discovery.workspace.id] ?? {
      slug: discovery.workspace.slug,
      delivery: {},
    };
    ws.slug = discovery.workspace.slug;
    session.state.workspaces[discovery.workspace.id] = ws;
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
    const addStream = (key: string) => {
      const stateKey = `${discovery.workspace.id}:${key}`;
      const done = progress.streams[stateKey];
      const plan = planBackfillStream(config.window, bucketMs, done === undefined ? undefined : Date.parse(done));
      streams.set(key, {
        plan,
        succeeded: new Set(),
        save: (marks) => {
          const mark = marks[BACKFILL_STAGE];
          if (mark !== undefined) progress.streams[stateKey] = new Date(mark).toISOString();
        },
      });
    };
    for (const c of discovery.active) addStream(c.key);
    if (config.eventVolume && discovery.sources.length > 0) addStream(EVENTS_STREAM);
    summary.resumed = Object.keys(progress.streams).length > 0;

    const jobs: Job[] = [];
    for (const c of discovery.active) {
      const plan = streams.get(c.key)?.plan;
      if (plan) jobs.push(...deliveryJobs(c, plan, now));
    }
    const events = streams.get(EVENTS_STREAM)?.plan;
    if (events) jobs.push(...eventsJobs(events, now));
    jobs.sort((a, b) => a.start - b.start || a.stream.localeCompare(b.stream));
    summary.planned = [...streams.values()].reduce((n, s) => n + s.plan.tasks.length, 0);
    deps.onPlanned?.(summary.planned);
    if (summary.resumed) logger.info({ remaining: summary.planned }, "resuming an interrupted backfill");

    const totals = await runWaves(jobs, streams, {
      fetch: { http: session.http, config, discovery, workspaceSlug: ws.slug, clock: deps.now, logger },
      sink: session.sink,
      dryRun: config.dryRun,
      stdout: deps.stdout,
      logger,
      concurrency: config.concurrency,
      stop: session.stop,
      checkpoint: session.checkpoint,
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      isFirstRead: () => true,
    });
    Object.assign(summary, {
      exported: totals.firstReads,
      failed: totals.failed,
      pending: totals.pending,
      points: totals.points,
      datadogRequests: totals.datadogRequests,
      failures: totals.failures,
    });
    if (session.stop.aborted)
      summary.stopped = String((session.stop.reason as Error | undefined)?.message ?? "stopped");
    if (!config.dryRun && totals.failed === 0 && totals.pending === 0) {
      delete session.state.backfill;
      await session.checkpoint();
    }
    return summary;
  } finally {
    summary.segmentCalls = [...session.segmentCalls.values()].reduce((a, b) => a + b, 0);
    summary.durationMs = Math.round(performance.now() - session.started);
    await session.close();
    if (!config.dryRun && summary.workspace) {
      await submitSelfMetrics(
        config,
        "backfill",
        {
          workspace: summary.workspace,
          bucketsExported: summary.exported,
          bucketsReread: 0,
          bucketsMissed: 0,
          bucketsFailed: summary.failed,
          points: summary.points,
          durationMs: summary.durationMs,
        },
        session,
        deps,
      );
    }
  }
}
