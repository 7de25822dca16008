// One `export` run: config → plan → fetch → map → submit → checkpoint (design §1), then the
// run's own health series.
import type { ExportConfig } from "../config/settings.js";
import {
  DELIVERY_METRICS_LIMITS,
  EVENTS_VOLUME_LIMITS,
  oldestFetchableStart,
  oldestSubmittableTimestamp,
} from "../plan/limits.js";
import { FIRST_STAGE, planStream, reconcileWatermarks, type Watermarks } from "../plan/schedule.js";
import { fromWatermarks, toWatermarks, type WorkspaceState } from "../state/store.js";
import { type Discovery, discover } from "./discover.js";
import { assertHistoricalEnabled } from "./historical.js";
import { deliveryJobs, EVENTS_STREAM, eventsJobs, type Job } from "./jobs.js";
import { submitSelfMetrics } from "./self.js";
import { openSession, type RunDeps } from "./session.js";
import { runWaves, type Stream } from "./waves.js";

export type { RunDeps } from "./session.js";

export interface ExportSummary {
  workspace: string;
  connections: number;
  bucketsExported: number;
  bucketsReread: number;
  bucketsFailed: number;
  bucketsMissed: number;
  rereadsSkipped: number;
  bucketsPending: number;
  points: number;
  datadogRequests: number;
  segmentCalls: number;
  durationMs: number;
  lagMs?: number | undefined;
  /** The first few failure messages, for the one-line error. */
  failures: string[];
  /** Set when SIGINT/SIGTERM, --max-duration or a lost lock stopped the run. */
  stopped?: string | undefined;
}

export async function runExport(config: ExportConfig, deps: RunDeps): Promise<ExportSummary> {
  const { logger } = deps;
  const now = deps.now();
  const { schedule } = config;
  const session = await openSession(config, schedule.bucketMs, deps);
  const summary: ExportSummary = {
    workspace: "",
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
    if (schedule.historical) await assertHistoricalEnabled(config, session);

    const streams = planStreams(config, discovery, ws, now, deps, summary);
    const jobs = buildJobs(discovery, streams, now);
    logger.debug({ jobs: jobs.length, streams: streams.size }, "planned");
    const totals = await runWaves(jobs, streams, {
      fetch: { http: session.http, config, discovery, workspaceSlug: ws.slug, clock: deps.now, logger },
      sink: session.sink,
      dryRun: config.dryRun,
      stdout: deps.stdout,
      logger,
      concurrency: config.concurrency,
      stop: session.stop,
      checkpoint: session.checkpoint,
      isFirstRead: (job, start) => (job.kind === "delivery" ? job.firstRead : job.firstReadStarts.includes(start)),
    });
    Object.assign(summary, {
      bucketsExported: totals.firstReads,
      bucketsReread: totals.rereads,
      bucketsFailed: totals.failed,
      bucketsPending: totals.pending,
      points: totals.points,
      datadogRequests: totals.datadogRequests,
      failures: totals.failures,
      lagMs: lagOf(ws, discovery, now),
    });
    if (session.stop.aborted)
      summary.stopped = String((session.stop.reason as Error | undefined)?.message ?? "stopped");
    return summary;
  } finally {
    summary.segmentCalls = [...session.segmentCalls.values()].reduce((a, b) => a + b, 0);
    summary.durationMs = Math.round(performance.now() - session.started);
    await session.close();
    if (!config.dryRun && summary.workspace) {
      await submitSelfMetrics(config, "export", summary, session, deps);
    }
  }
}

/** Plans every stream, drops state of connections that disappeared, and reports missed buckets. */
function planStreams(
  config: ExportConfig,
  discovery: Discovery,
  ws: WorkspaceState,
  now: number,
  deps: RunDeps,
  summary: ExportSummary,
): Map<string, Stream> {
  const { schedule } = config;
  const { logger } = deps;
  const streams = new Map<string, Stream>();
  const submittable = schedule.historical ? Number.NEGATIVE_INFINITY : oldestSubmittableTimestamp(now);
  const active = new Set(discovery.active.map((c) => c.key));
  for (const key of Object.keys(ws.delivery)) {
    if (!active.has(key)) {
      logger.info({ connection: key }, "connection no longer exists or is disabled; dropped from state");
      delete ws.delivery[key];
    }
  }
  const add = (key: string, label: string, marks: Watermarks, fetchable: number, save: Stream["save"]) => {
    const reach = Math.max(fetchable, submittable);
    const plan = planStream(marks, schedule, now, reach);
    for (const stage of plan.stages) {
      if (stage.outOfReach === 0) continue;
      if (stage.key !== FIRST_STAGE) {
        summary.rereadsSkipped += stage.outOfReach;
        continue;
      }
      summary.bucketsMissed += stage.outOfReach;
      const why =
        reach === submittable
          ? "older than Datadog accepts without Historical Metrics Ingestion (1h); enable it and run `backfill --historical` to recover them"
          : "older than Segment still serves";
      logger.warn(
        {
          stream: label,
          missed: stage.outOfReach,
          from: new Date(stage.outOfReachFrom).toISOString(),
          to: new Date(stage.from).toISOString(),
        },
        `${stage.outOfReach} buckets of ${label} were never exported and are now out of reach: ${why}`,
      );
    }
    streams.set(key, { plan, succeeded: new Set(), save });
  };
  const deliveryFetchable = oldestFetchableStart(DELIVERY_METRICS_LIMITS, schedule.bucketMs, now);
  for (const c of discovery.active) {
    const marks = reconcileWatermarks(toWatermarks(ws.delivery[c.key]?.stages), schedule, now);
    const label = `${c.source.slug} → ${c.destination.name || c.destination.catalogName}`;
    add(c.key, label, marks, deliveryFetchable, (m) => {
      ws.delivery[c.key] = { stages: fromWatermarks(m) };
    });
  }
  if (config.eventVolume && discovery.sources.length > 0) {
    const marks = reconcileWatermarks(toWatermarks(ws.events?.stages), schedule, now);
    const eventsFetchable = oldestFetchableStart(
      EVENTS_VOLUME_LIMITS.filter((l) => schedule.bucketMs % l.stepMs === 0),
      0,
      now,
    );
    add(EVENTS_STREAM, "event volume", marks, eventsFetchable, (m) => {
      ws.events = { stages: fromWatermarks(m) };
    });
  }
  return streams;
}

function buildJobs(discovery: Discovery, streams: Map<string, Stream>, now: number): Job[] {
  const jobs: Job[] = [];
  for (const c of discovery.active) {
    const stream = streams.get(c.key);
    if (stream) jobs.push(...deliveryJobs(c, stream.plan, now));
  }
  const events = streams.get(EVENTS_STREAM);
  if (events) jobs.push(...eventsJobs(events.plan, now));
  // Oldest first: watermarks then advance evenly, and a deadline cuts the newest work, not a gap.
  return jobs.sort((a, b) => a.start - b.start || a.stream.localeCompare(b.stream));
}

/** The lag of the slowest stream: now minus the end of the newest bucket it has first-read. */
function lagOf(ws: WorkspaceState, discovery: Discovery, now: number): number | undefined {
  const ends = discovery.active
    .map((c) => toWatermarks(ws.delivery[c.key]?.stages)?.[FIRST_STAGE])
    .concat(toWatermarks(ws.events?.stages)?.[FIRST_STAGE])
    .filter((v): v is number => v !== undefined);
  return ends.length === 0 ? undefined : now - Math.min(...ends);
}
