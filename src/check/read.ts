// `check`: a smoke check of a workspace for CI: read → judge → report. Credentials first (Segment and
// the sink, each named when it fails), then per connection the delivery summary of exactly
// [now − window, now) plus four sub-intervals for the trend, and the window's event volume per
// source; thresholds decide. Error details (failed deliveries by reason) are read over the same window
// and never change the verdict. Reads go through the run's Segment session (budget, deadline, calls).
import type { Logger } from "pino";
import { DEFAULT_MAX_P95_MS, DEFAULT_MIN_SUCCESS_RATE } from "../config/defaults.js";
import { backendOf } from "../config/sink.js";
import type { CheckConfig, WorkspaceSettings } from "../config/types.js";
import { CredentialError, PartialFailureError, UpstreamError } from "../errors.js";
import { summariseFailures } from "../mapping/failures.js";
import { destinationName } from "../mapping/tags.js";
import { type ConnectionNumbers, judgeConnection, judgeSource, type Thresholds } from "../mapping/thresholds.js";
import {
  DELIVERY_METRICS_LIMITS,
  DELIVERY_OVERVIEW_LIMITS,
  EVENTS_VOLUME_LIMITS,
  granularityFor,
} from "../plan/limits.js";
import { inShard } from "../plan/shard.js";
import type { SegmentSession } from "../run/session.js";
import { getWorkspace } from "../segment/catalog.js";
import { getDeliverySummary } from "../segment/delivery.js";
import type { OverviewStep } from "../segment/delivery-overview.js";
import { type Connection, discover } from "../segment/discover.js";
import { getEventVolume } from "../segment/events.js";
import type { SegmentHttp } from "../segment/http.js";
import type { DeliverySummary } from "../segment/schemas.js";
import { OverviewAccess } from "../streams/overview.js";
import { isoSeconds } from "../time.js";
import type { CheckReport, ConnectionResult, SourcePipeline } from "./report.js";

export const TREND_PARTS = 4;

/** The counts a verdict rests on that Segment sent as something other than a finite number. */
function invalidTotals(summary: DeliverySummary, names: readonly string[]): string[] {
  return names.flatMap((name) => {
    const value = summary.metrics.find((m) => m.metricName === name)?.total;
    if (value === undefined || (typeof value === "number" && Number.isFinite(value))) return [];
    return [`a non-numeric '${name}' (${JSON.stringify(value)?.slice(0, 40)})`];
  });
}

function total(summary: DeliverySummary, name: string): number {
  const value = summary.metrics.find((m) => m.metricName === name)?.total;
  return typeof value === "number" ? value : 0;
}

function breakdown(summary: DeliverySummary, parent: string, name: string): number | undefined {
  const value = summary.metrics
    .find((m) => m.metricName === parent)
    ?.breakdown?.find((b) => b.metricName === name)?.value;
  return typeof value === "number" ? value : undefined;
}

/** The first value that is set (null, "off", counts as set); undefined when none is. */
function firstSet<T>(...values: Array<T | null | undefined>): T | null | undefined {
  return values.find((v) => v !== undefined);
}

/**
 * Thresholds for one connection: per destination, then the flags or the config file's check section,
 * then the workspace's, then the monitors' defaults (design §5). `off` (null) stops the chain.
 */
function thresholdsFor(config: CheckConfig, ws: WorkspaceSettings, c?: Connection): Thresholds {
  const own = ws.thresholds;
  const perDestination =
    c && own?.destinations ? (own.destinations[c.destination.id] ?? own.destinations[c.destination.name]) : undefined;
  return {
    minSuccessRate: firstSet(
      perDestination?.minSuccessRate,
      config.thresholds.minSuccessRate,
      own?.minSuccessRate,
      DEFAULT_MIN_SUCCESS_RATE,
    ),
    maxP95Ms: firstSet(perDestination?.maxP95Ms, config.thresholds.maxP95Ms, own?.maxP95Ms, DEFAULT_MAX_P95_MS),
    minEvents: firstSet(config.thresholds.minEvents, own?.minEvents),
    minDeliveries: config.thresholds.minDeliveries,
  };
}

/** The run's thresholds as a table header shows them: the flags' or the config's, else the defaults. */
export function runThresholds(config: CheckConfig): Thresholds {
  return {
    minSuccessRate: firstSet(config.thresholds.minSuccessRate, DEFAULT_MIN_SUCCESS_RATE),
    maxP95Ms: firstSet(config.thresholds.maxP95Ms, DEFAULT_MAX_P95_MS),
    minEvents: config.thresholds.minEvents,
    minDeliveries: config.thresholds.minDeliveries,
  };
}

/**
 * Segment's and the sink's credentials, checked together so the error names every one that failed
 * (the sink's check is the one export and backfill make before reading Segment).
 */
async function verifyCredentials(config: CheckConfig, clients: SegmentHttp[], logger: Logger): Promise<void> {
  const failures: Array<{ service: CredentialError["service"]; message: string }> = [];
  const segment = config.workspaces.map((ws, i) =>
    getWorkspace(clients[i] as SegmentHttp).catch((error: unknown) => {
      if (error instanceof CredentialError)
        failures.push({ service: "segment", message: `${ws.label}: ${error.message}` });
      else throw error;
    }),
  );
  const sinkCheck = (async () => {
    const { open } = backendOf(config.sink);
    if (!open) return;
    const sink = await open({
      logger,
      timeoutMs: config.requestTimeoutMs,
      historical: false,
      retries: 1,
    });
    try {
      await sink.verify({ bucketSeries: [] });
    } catch (error) {
      if (!(error instanceof CredentialError)) throw error;
      failures.push({ service: config.sink.name, message: error.message });
    } finally {
      await sink.close();
    }
  })();
  await Promise.all([...segment, sinkCheck]).catch((error: unknown) => {
    if (error instanceof UpstreamError)
      throw new PartialFailureError(`could not check the credentials: ${error.message}`);
    throw error;
  });
  const first = failures[0];
  if (first) throw new CredentialError(first.service, failures.map((f) => f.message).join("; "));
}

export async function readCheck(
  config: CheckConfig,
  session: SegmentSession,
  deps: { now: () => number; logger: Logger },
): Promise<CheckReport> {
  const { logger } = deps;
  const to = Math.floor(deps.now() / 1000) * 1000;
  const from = to - config.windowMs;
  const part = config.windowMs / TREND_PARTS;
  const clients = config.workspaces.map((w) => session.segment(w));
  const report: CheckReport = {
    from: isoSeconds(from),
    to: isoSeconds(to),
    ok: true,
    thresholds: runThresholds(config),
    connections: [],
    sources: [],
  };
  try {
    await verifyCredentials(config, clients, logger);
    const delivery = granularityFor(DELIVERY_METRICS_LIMITS, from, config.windowMs, to);
    const events = granularityFor(EVENTS_VOLUME_LIMITS, from, config.windowMs, to);
    // Any window that fits the summary fits Delivery Overview's longer limits. Up to 4 h this is
    // MINUTE, so "last seen" is exact to the minute; longer windows read HOUR steps (one request
    // sequence per connection either way), and "last seen" is then the start of the newest hour.
    const overviewLimit = granularityFor(DELIVERY_OVERVIEW_LIMITS, from, config.windowMs, to);
    if (!delivery || !events || !overviewLimit)
      throw new Error("window validated at start-up no longer fits the limits");
    for (const [i, ws] of config.workspaces.entries()) {
      const http = clients[i] as SegmentHttp;
      const found = await discover(http, ws, logger);
      const slug = found.workspace.slug;
      const overview = new OverviewAccess(http, slug, logger);
      const active = found.active.filter((c) => inShard(`${found.workspace.id}/${c.key}`, config.shard));
      const summary = (c: Connection, start: number, end: number) =>
        getDeliverySummary(http, {
          sourceId: c.source.id,
          destinationId: c.destination.id,
          start,
          end,
          granularity: delivery.granularity,
        });
      const window = { start: from, end: to, granularity: overviewLimit.granularity };
      /**
       * One Delivery Overview step over the window. The steps explain a verdict, they are not part of
       * it: a beta endpoint failing after its retries costs that entity its reasons, not the check its
       * exit code (a warning says which); unavailable to the token, one warning for the workspace.
       */
      const step = (
        on: boolean,
        name: OverviewStep,
        target: { sourceId: string; destinationId?: string },
        what: string,
        groupBy: readonly string[] = ["discardReason"],
      ) =>
        (on ? overview.read(name, target, window, groupBy) : Promise.resolve(undefined)).catch((error: unknown) => {
          if (!(error instanceof UpstreamError)) throw error;
          logger.warn({ workspace: slug, ...target }, `no ${what}: ${error.message}`);
          return undefined;
        });
      const results = await Promise.all(
        active.map(async (c) => {
          const target = { sourceId: c.source.id, destinationId: c.destination.id };
          const name = `${c.source.slug} → ${c.destination.id}`;
          const [failed, filtered, [whole, ...parts]] = await Promise.all([
            step(config.errorDetails, "failed-delivery", target, `error details for ${name}`),
            step(config.pipeline, "filtered-at-destination", target, `filtered-at-destination counts for ${name}`),
            Promise.all([
              summary(c, from, to),
              ...Array.from({ length: TREND_PARTS }, (_, k) => summary(c, from + k * part, from + (k + 1) * part)),
            ]),
          ]);
          if (!whole) throw new Error("no summary");
          const numbers: ConnectionNumbers = {
            successes: total(whole, "successes"),
            discarded: total(whole, "discarded"),
            expired: total(whole, "expired"),
            p95Ms: breakdown(whole, "time_to_success", "time_to_success_p95"),
            trend: parts.map((p) => total(p, "successes")),
            invalid: invalidTotals(whole, ["successes", "discarded", "expired"]),
          };
          const thresholds = thresholdsFor(config, ws, c);
          const verdict = judgeConnection(numbers, thresholds);
          return {
            workspace: slug,
            source: c.source.slug,
            sourceId: c.source.id,
            destination: destinationName(c.destination),
            destinationId: c.destination.id,
            numbers,
            thresholds,
            ...verdict,
            ...(failed ? { errors: summariseFailures(failed.dataset) } : {}),
            ...(filtered ? { filteredAtDestination: summariseFailures(filtered.dataset) } : {}),
          } satisfies ConnectionResult;
        }),
      );
      report.connections.push(...results);
      const entries = await getEventVolume(http, {
        start: from,
        end: to,
        granularity: events.granularity,
        groupBy: ["source"],
        ...(ws.include.length > 0 || ws.exclude.length > 0 ? { sourceIds: found.sources.map((s) => s.id) } : {}),
      });
      const pipelines = await Promise.all(
        found.sources.map(async (source): Promise<SourcePipeline | undefined> => {
          const target = { sourceId: source.id };
          const [received, ingestFailed, filteredAtSource] = await Promise.all([
            step(config.pipeline, "successfully-received", target, `received count for ${source.slug}`, []),
            step(config.pipeline, "failed-on-ingest", target, `ingest failures for ${source.slug}`),
            step(config.pipeline, "filtered-at-source", target, `source filter counts for ${source.slug}`),
          ]);
          if (!received || !ingestFailed || !filteredAtSource) return undefined;
          return {
            received: received.dataset.reduce((n, e) => n + e.series.reduce((m, p) => m + p.count, 0), 0),
            ingestFailed: summariseFailures(ingestFailed.dataset),
            filteredAtSource: summariseFailures(filteredAtSource.dataset),
          };
        }),
      );
      for (const [i, source] of found.sources.entries()) {
        const pipeline = pipelines[i];
        const series = entries.find((e) => e.source?.id === source.id)?.series ?? [];
        // A series point starts at its (aligned) bucket, which may begin just before `from`.
        const trend = new Array<number>(TREND_PARTS).fill(0);
        for (const p of series) {
          const k = Math.min(TREND_PARTS - 1, Math.max(0, Math.floor((Date.parse(p.time) - from) / part)));
          trend[k] = (trend[k] ?? 0) + p.count;
        }
        const count = series.reduce((n, p) => n + p.count, 0);
        report.sources.push({
          workspace: slug,
          source: source.slug,
          sourceId: source.id,
          events: count,
          trend,
          ...judgeSource(count, thresholdsFor(config, ws)),
          ...(pipeline ? { pipeline } : {}),
        });
      }
    }
    report.ok = report.connections.every((c) => c.ok) && report.sources.every((s) => s.ok);
    return report;
  } catch (error) {
    if (error instanceof UpstreamError) throw new PartialFailureError(`check could not read Segment: ${error.message}`);
    throw error;
  }
}
