// One `export` run: config → plan → fetch → map → submit → checkpoint (design §1).
// Jobs run in waves (oldest buckets first); after each wave the accepted buckets are
// checkpointed, so a crash or a deadline loses at most one wave of work, never a bucket.
import pLimit from "p-limit";
import type { Logger } from "pino";
import type { ExportConfig } from "../config/settings.js";
import { formatDuration } from "../config/time.js";
import { DatadogSink } from "../datadog/sink.js";
import { CredentialError } from "../errors.js";
import {
  DELIVERY_METRICS_LIMITS,
  EVENTS_VOLUME_LIMITS,
  oldestFetchableStart,
  oldestSubmittableTimestamp,
} from "../plan/limits.js";
import {
  advanceWatermarks,
  FIRST_STAGE,
  planStream,
  reconcileWatermarks,
  type StreamPlan,
  type Watermarks,
} from "../plan/schedule.js";
import { SegmentHttp } from "../segment/http.js";
import {
  assertStateWritable,
  fromWatermarks,
  loadState,
  saveState,
  toWatermarks,
  type WorkspaceState,
} from "../state/store.js";
import { type Discovery, discover } from "./discover.js";
import { fetchAndMap, type JobResult } from "./fetch.js";
import { deliveryJobs, EVENTS_STREAM, eventsJobs, type Job, ownersOfJob } from "./jobs.js";
import { submitPoints } from "./submit.js";

export interface RunDeps {
  /** The clock plans are made with; tests inject one. */
  now: () => number;
  logger: Logger;
  /** Where `--dry-run` writes its NDJSON. */
  stdout: (text: string) => void;
}

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
  /** The first few failure messages, for the one-line error. */
  failures: string[];
}

/** Jobs per wave: ~10 points each, so a wave fills about one Datadog request. */
const WAVE_SIZE = 1000;

interface Stream {
  plan: StreamPlan;
  succeeded: Set<number>;
  save: (marks: Watermarks) => void;
}

export async function runExport(config: ExportConfig, deps: RunDeps): Promise<ExportSummary> {
  const { logger } = deps;
  const started = performance.now();
  const now = deps.now();
  const { schedule } = config;
  if (!config.dryRun) await assertStateWritable(config.statePath);
  const state = await loadState(config.statePath, schedule.bucketMs);

  const deadline = config.maxDurationMs ? new AbortController() : undefined;
  // Keep a little of the budget to write the checkpoint after in-flight requests are aborted.
  const reserveMs = config.maxDurationMs ? Math.min(2_000, config.maxDurationMs / 10) : 0;
  const deadlineTimer = config.maxDurationMs
    ? setTimeout(() => deadline?.abort(), Math.max(0, config.maxDurationMs - reserveMs))
    : undefined;

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
  const http = new SegmentHttp({
    baseUrl: config.segment.apiUrl,
    token: config.segment.token,
    logger,
    timeoutMs: config.requestTimeoutMs,
    ...(deadline ? { signal: deadline.signal } : {}),
    onCall: () => {
      summary.segmentCalls += 1;
    },
  });
  const sink =
    config.dryRun || !config.datadog
      ? undefined
      : new DatadogSink({
          ...config.datadog,
          logger,
          timeoutMs: config.requestTimeoutMs,
          ...(deadline ? { signal: deadline.signal } : {}),
        });

  try {
    const discovery = await discover(http, config.segment.sources, logger);
    summary.workspace = discovery.workspace.slug;
    summary.connections = discovery.active.length;
    const ws: WorkspaceState = state.workspaces[discovery.workspace.id] ?? {
      slug: discovery.workspace.slug,
      delivery: {},
    };
    ws.slug = discovery.workspace.slug;
    state.workspaces[discovery.workspace.id] = ws;

    const streams = planStreams(config, discovery, ws, now, logger, summary);
    const jobs = buildJobs(discovery, streams, now);
    logger.debug({ jobs: jobs.length, streams: streams.size }, "planned");

    const limit = pLimit(config.concurrency);
    const warned = new Set<string>();
    let credentialError: CredentialError | undefined;
    for (let i = 0; i < jobs.length; i += WAVE_SIZE) {
      if (credentialError || deadline?.signal.aborted) {
        summary.bucketsPending += jobs.slice(i).reduce((n, j) => n + ownersOfJob(j).length, 0);
        break;
      }
      const wave = jobs.slice(i, i + WAVE_SIZE);
      const context = { http, config, discovery, workspaceSlug: ws.slug, now, logger, warned };
      const results = await Promise.all(
        wave.map((job) =>
          limit(async (): Promise<JobResult> => {
            if (credentialError || deadline?.signal.aborted) return { job, points: [], skipped: true };
            try {
              return await fetchAndMap(job, context);
            } catch (error) {
              if (error instanceof CredentialError) credentialError ??= error;
              return { job, points: [], error: error instanceof Error ? error.message : String(error) };
            }
          }),
        ),
      );
      const outcome = await submitPoints(results, { sink, dryRun: config.dryRun, stdout: deps.stdout, logger }).catch(
        (error: unknown) => {
          if (error instanceof CredentialError) {
            credentialError ??= error;
            return undefined;
          }
          throw error;
        },
      );
      if (outcome) {
        summary.points += outcome.points;
        summary.datadogRequests += outcome.requests;
        for (const result of results) {
          for (const owner of ownersOfJob(result.job)) {
            const start = Number(owner.slice(owner.lastIndexOf("@") + 1));
            const failure = outcome.failed.get(owner);
            if (result.skipped) summary.bucketsPending += 1;
            else if (failure !== undefined) {
              summary.bucketsFailed += 1;
              if (summary.failures.length < 3) summary.failures.push(failure);
            } else {
              streams.get(result.job.stream)?.succeeded.add(start);
              if (isFirstRead(result.job, start)) summary.bucketsExported += 1;
              else summary.bucketsReread += 1;
            }
          }
        }
      }
      if (!config.dryRun) await checkpoint(config.statePath, state, streams);
    }
    if (!config.dryRun && jobs.length === 0) await checkpoint(config.statePath, state, streams);
    if (credentialError) throw credentialError;
    if (deadline?.signal.aborted && summary.bucketsPending > 0) {
      logger.warn(
        { pending: summary.bucketsPending },
        `--max-duration ${formatDuration(config.maxDurationMs ?? 0)} reached; ${summary.bucketsPending} buckets stay pending for the next run`,
      );
    }
    return summary;
  } finally {
    if (deadlineTimer) clearTimeout(deadlineTimer);
    summary.durationMs = Math.round(performance.now() - started);
    await http.close();
    await sink?.close();
  }
}

function isFirstRead(job: Job, start: number): boolean {
  return job.kind === "delivery" ? job.firstRead : job.firstReadStarts.includes(start);
}

/** Plans every stream, drops state of connections that disappeared, and reports missed buckets. */
function planStreams(
  config: ExportConfig,
  discovery: Discovery,
  ws: WorkspaceState,
  now: number,
  logger: Logger,
  summary: ExportSummary,
): Map<string, Stream> {
  const { schedule } = config;
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
        `${stage.outOfReach} buckets of ${label} were never exported and are out of reach: ${why}`,
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

async function checkpoint(path: string, state: import("../state/store.js").State, streams: Map<string, Stream>) {
  for (const stream of streams.values()) stream.save(advanceWatermarks(stream.plan, stream.succeeded));
  await saveState(path, state);
}
