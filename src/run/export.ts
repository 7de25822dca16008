// One `export` run: config → plan → fetch → map → submit → checkpoint (design §1), over every
// workspace under one budget, then the run's own health series.
import type { ExportConfig } from "../config/types.js";
import { DELIVERY_METRICS_LIMITS, EVENTS_VOLUME_LIMITS, oldestFetchableStart } from "../plan/limits.js";
import {
  advanceWatermarks,
  checkWatermarks,
  FIRST_STAGE,
  planStream,
  reconcileWatermarks,
  type Watermarks,
} from "../plan/schedule.js";
import { inShard } from "../plan/shard.js";
import { fromWatermarks, toWatermarks } from "../state/store.js";
import { assertHistoricalEnabled } from "./historical.js";
import {
  deliveryJobs,
  deliveryStream,
  eventsJobs,
  eventsStream,
  type Job,
  oldestFirst,
  USAGE_STAGE,
  usageJob,
  usagePlan,
  usageStream,
} from "./jobs.js";
import { runPipeline, type Stream, sessionPipeline } from "./pipeline.js";
import { submitSelfMetrics } from "./self.js";
import { openSession, type RunDeps } from "./session.js";
import { openWorkspaces, type WorkspaceRun } from "./workspace.js";

export type { RunDeps } from "./session.js";

export interface WorkspaceSummary {
  workspace: string;
  connections: number;
  bucketsExported: number;
  bucketsReread: number;
  bucketsFailed: number;
  bucketsMissed: number;
  /** now − end of the newest bucket the slowest stream has first-read. */
  lagMs?: number | undefined;
}

export interface ExportSummary {
  workspaces: WorkspaceSummary[];
  connections: number;
  bucketsExported: number;
  bucketsReread: number;
  bucketsFailed: number;
  bucketsMissed: number;
  rereadsSkipped: number;
  bucketsPending: number;
  points: number;
  /** Requests the sink made (Datadog; 0 for --dry-run). */
  datadogRequests: number;
  segmentCalls: number;
  durationMs: number;
  /** The largest lag over the workspaces. */
  lagMs?: number | undefined;
  /** The first few failure messages, for the one-line error. */
  failures: string[];
  /** Set when SIGINT/SIGTERM, --max-duration or a lost lock stopped the run. */
  stopped?: string | undefined;
}

interface Planned {
  ws: WorkspaceRun;
  /** Stream keys of this workspace (for per-workspace counts and lag). */
  streams: string[];
  summary: WorkspaceSummary;
}

export async function runExport(config: ExportConfig, deps: RunDeps): Promise<ExportSummary> {
  const { logger } = deps;
  const now = deps.now();
  const session = await openSession(config, deps);
  const summary: ExportSummary = {
    workspaces: [],
    connections: 0,
    bucketsExported: 0,
    bucketsReread: 0,
    bucketsFailed: 0,
    bucketsMissed: 0,
    rereadsSkipped: 0,
    bucketsPending: 0,
    points: 0,
    datadogRequests: 0,
    segmentCalls: 0,
    durationMs: 0,
    failures: [],
  };
  const planned: Planned[] = [];
  try {
    const workspaces = await openWorkspaces(config, session, logger);
    if (config.schedule.historical) await assertHistoricalEnabled(config, session);
    const streams = new Map<string, Stream>();
    const sources: Array<Iterable<Job>> = [];
    const submittable = session.sink.oldestAcceptedMs(now);
    for (const ws of workspaces) {
      planned.push(planWorkspace(config, ws, now, submittable, deps, streams, sources, summary));
    }
    logger.debug({ streams: streams.size }, "planned");
    const totals = await runPipeline(oldestFirst(sources), streams, sessionPipeline(session, config, deps));
    Object.assign(summary, {
      bucketsExported: totals.firstReads,
      bucketsReread: totals.rereads,
      bucketsFailed: totals.failed,
      bucketsPending: totals.pending,
      points: totals.points,
      datadogRequests: totals.sinkRequests,
      failures: totals.failures,
    });
    for (const p of planned) {
      for (const key of p.streams) {
        const counts = totals.byStream.get(key);
        p.summary.bucketsExported += counts?.firstReads ?? 0;
        p.summary.bucketsReread += counts?.rereads ?? 0;
        p.summary.bucketsFailed += counts?.failed ?? 0;
      }
      p.summary.lagMs = lagOf(p, streams, now);
    }
    summary.workspaces = planned.map((p) => p.summary);
    const lags = summary.workspaces.flatMap((w) => (w.lagMs === undefined ? [] : [w.lagMs]));
    summary.lagMs = lags.length ? Math.max(...lags) : undefined;
    summary.stopped = session.stoppedReason();
    return summary;
  } finally {
    summary.segmentCalls = session.segmentCallCount();
    summary.durationMs = session.elapsedMs();
    await session.close();
    if (!config.dryRun && summary.workspaces.length > 0) {
      await submitSelfMetrics(config, "export", summary, session, deps);
    }
  }
}

/**
 * Plans every stream of one workspace (in this process's shard), drops state of connections that
 * disappeared, reports missed buckets, and appends the workspace's job sequences (built lazily).
 */
function planWorkspace(
  config: ExportConfig,
  ws: WorkspaceRun,
  now: number,
  submittable: number,
  deps: RunDeps,
  streams: Map<string, Stream>,
  sources: Array<Iterable<Job>>,
  summary: ExportSummary,
): Planned {
  const { schedule } = config;
  const { logger } = deps;
  const slug = ws.discovery.workspace.slug;
  const active = ws.discovery.active.filter((c) => inShard(deliveryStream(ws, c), config.shard));
  const own: Planned = {
    ws,
    streams: [],
    summary: {
      workspace: slug,
      connections: active.length,
      bucketsExported: 0,
      bucketsReread: 0,
      bucketsFailed: 0,
      bucketsMissed: 0,
    },
  };
  summary.connections += active.length;
  if (ws.discovery.active.length === 0) {
    logger.warn(
      { workspace: slug },
      `workspace ${slug} has no enabled source→destination connection; only event volume is exported`,
    );
  }
  const keep = new Set(active.map((c) => c.key));
  for (const key of Object.keys(ws.state.delivery)) {
    if (!keep.has(key)) {
      logger.info(
        { workspace: slug, connection: key },
        "connection gone, disabled or in another shard; dropped from state",
      );
      delete ws.state.delivery[key];
    }
  }
  const errorDetails = config.errorDetails !== false;
  const add = (key: string, label: string, marks: Watermarks, fetchable: number, save: Stream["save"], parts = 1) => {
    const reach = Math.max(fetchable, submittable);
    const plan = planStream(marks, schedule, now, reach);
    for (const stage of plan.stages) {
      if (stage.outOfReach === 0) continue;
      if (stage.key !== FIRST_STAGE) {
        summary.rereadsSkipped += stage.outOfReach;
        continue;
      }
      summary.bucketsMissed += stage.outOfReach;
      own.summary.bucketsMissed += stage.outOfReach;
      const why =
        reach === submittable
          ? "older than Datadog accepts without Historical Metrics Ingestion (1h); enable it and run `backfill --historical` to recover them"
          : "older than Segment still serves";
      logger.warn(
        {
          workspace: slug,
          stream: label,
          missed: stage.outOfReach,
          from: new Date(stage.outOfReachFrom).toISOString(),
          to: new Date(stage.from).toISOString(),
        },
        `${stage.outOfReach} buckets of ${label} in ${slug} were never exported and are now out of reach: ${why}`,
      );
    }
    streams.set(key, { plan, succeeded: new Set(), save, parts });
    own.streams.push(key);
    return plan;
  };
  const deliveryFetchable = oldestFetchableStart(DELIVERY_METRICS_LIMITS, schedule.bucketMs, now);
  const trusted = (stored: Record<string, string> | undefined, label: string) => {
    const { marks, notes } = checkWatermarks(toWatermarks(stored), schedule, now);
    for (const note of notes) {
      logger.warn(
        { workspace: slug, stream: label, stage: note.stage, was: iso(note.was), now: iso(note.now) },
        note.why === "ahead"
          ? `the checkpoint of ${label} in ${slug} is ahead of now (was the clock stepped?); moved back to the newest due bucket so nothing is skipped`
          : `the checkpoint of ${label} in ${slug} is not on a bucket boundary (edited by hand?); moved back to the boundary`,
      );
    }
    return reconcileWatermarks(marks, schedule, now);
  };
  for (const c of active) {
    const label = `${c.source.slug} → ${c.destination.name || c.destination.catalogName}`;
    const marks = trusted(ws.state.delivery[c.key]?.stages, label);
    // With error details a bucket has two parts: its summary and its failures by reason.
    const plan = add(
      deliveryStream(ws, c),
      label,
      marks,
      deliveryFetchable,
      (m) => {
        ws.state.delivery[c.key] = { stages: fromWatermarks(m) };
      },
      errorDetails ? 2 : 1,
    );
    sources.push(deliveryJobs(ws, c, plan, deps.now, errorDetails));
  }
  // Usage: on a fresh state, then at most once per UTC day; "done" only once Datadog accepted it.
  const usage = config.usage && inShard(usageStream(ws), config.shard) ? usageJob(ws, now) : undefined;
  if (usage) {
    streams.set(usage.stream, {
      plan: usagePlan(usage),
      succeeded: new Set(),
      save: (marks) => {
        if (marks[USAGE_STAGE] === usage.end) ws.state.usage = { lastDay: usage.day };
      },
    });
    own.streams.push(usage.stream);
    sources.push([usage]);
  }
  if (config.eventVolume && ws.discovery.sources.length > 0 && inShard(eventsStream(ws), config.shard)) {
    const marks = trusted(ws.state.events?.stages, "event volume");
    const fetchable = oldestFetchableStart(
      EVENTS_VOLUME_LIMITS.filter((l) => schedule.bucketMs % l.stepMs === 0),
      0,
      now,
    );
    const plan = add(eventsStream(ws), "event volume", marks, fetchable, (m) => {
      ws.state.events = { stages: fromWatermarks(m) };
    });
    sources.push(eventsJobs(ws, plan, now));
  }
  return own;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The lag of the slowest stream of this run: now minus the end of the newest bucket its first read
 * has reached, from the run's own plans and results (not read back from the state: a stream turned
 * off, such as event volume with --no-event-volume, no longer counts).
 */
function lagOf(p: Planned, streams: ReadonlyMap<string, Stream>, now: number): number | undefined {
  const ends = p.streams.flatMap((key) => {
    const stream = streams.get(key);
    const mark = stream ? advanceWatermarks(stream.plan, stream.succeeded)[FIRST_STAGE] : undefined;
    return mark === undefined ? [] : [mark];
  });
  return ends.length === 0 ? undefined : Math.max(0, now - Math.min(...ends));
}
