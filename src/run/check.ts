// `check`: a smoke check of a workspace for CI. Credentials first (Segment and Datadog, each named
// when it fails), then per connection the delivery summary of exactly [now − window, now) plus four
// sub-intervals for the trend, and the window's event volume per source; thresholds decide. Error
// details (failed deliveries by reason) are read over the same window and never change the verdict.
import type { Logger } from "pino";
import type { CheckConfig, WorkspaceSettings } from "../config/types.js";
import { DatadogSink } from "../datadog/sink.js";
import { CredentialError, PartialFailureError, UpstreamError } from "../errors.js";
import { type ReasonSummary, summariseFailures } from "../mapping/failures.js";
import {
  type ConnectionNumbers,
  judgeConnection,
  judgeSource,
  type Thresholds,
  type Verdict,
} from "../mapping/thresholds.js";
import {
  DELIVERY_METRICS_LIMITS,
  DELIVERY_OVERVIEW_LIMITS,
  EVENTS_VOLUME_LIMITS,
  granularityFor,
} from "../plan/limits.js";
import { inShard } from "../plan/shard.js";
import { RateBudget } from "../segment/budget.js";
import { getWorkspace } from "../segment/catalog.js";
import { getDeliverySummary } from "../segment/delivery.js";
import { getEventVolume } from "../segment/events.js";
import { SegmentHttp } from "../segment/http.js";
import type { DeliverySummary } from "../segment/schemas.js";
import { isoSeconds } from "../time.js";
import { type Connection, discover } from "./discover.js";
import { WorkspaceErrorDetails } from "./error-details.js";

export const TREND_PARTS = 4;

export interface ConnectionResult extends Verdict {
  workspace: string;
  source: string;
  sourceId: string;
  destination: string;
  destinationId: string;
  numbers: ConnectionNumbers;
  /**
   * Failed deliveries by reason over the window, count descending (design §5). Absent when error
   * details are off, Delivery Overview is not available to the token, or the read failed (a warning
   * says which): unknown, not "none".
   */
  errors?: ReasonSummary[];
}

export interface SourceResult extends Verdict {
  workspace: string;
  source: string;
  sourceId: string;
  events: number;
  trend: number[];
}

export interface CheckReport {
  from: string;
  to: string;
  ok: boolean;
  connections: ConnectionResult[];
  sources: SourceResult[];
}

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

/** Thresholds for one connection: flags/check section, then the workspace's, then per destination. */
function thresholdsFor(config: CheckConfig, ws: WorkspaceSettings, c?: Connection): Thresholds {
  const own = ws.thresholds;
  const perDestination =
    c && own?.destinations ? (own.destinations[c.destination.id] ?? own.destinations[c.destination.name]) : undefined;
  return {
    minSuccessRate: perDestination?.minSuccessRate ?? config.thresholds.minSuccessRate ?? own?.minSuccessRate,
    maxP95Ms: perDestination?.maxP95Ms ?? config.thresholds.maxP95Ms ?? own?.maxP95Ms,
    minEvents: config.thresholds.minEvents ?? own?.minEvents,
  };
}

/** Both services' credentials, checked together so the error names every one that failed. */
async function verifyCredentials(config: CheckConfig, clients: SegmentHttp[], logger: Logger): Promise<void> {
  const failures: string[] = [];
  const segment = config.workspaces.map((ws, i) =>
    getWorkspace(clients[i] as SegmentHttp).catch((error: unknown) => {
      if (error instanceof CredentialError) failures.push(`${ws.label}: ${error.message}`);
      else throw error;
    }),
  );
  const datadog = (async () => {
    if (!config.datadog) return;
    const sink = new DatadogSink({ ...config.datadog, logger, timeoutMs: config.requestTimeoutMs });
    try {
      if (!(await sink.validateKey())) {
        failures.push(
          "Datadog rejected the API key (GET /api/v1/validate answered 403); check DD_API_KEY and that DD_SITE / DD_API_URL point at its site",
        );
      }
    } finally {
      await sink.close();
    }
  })();
  await Promise.all([...segment, datadog]).catch((error: unknown) => {
    if (error instanceof UpstreamError)
      throw new PartialFailureError(`could not check the credentials: ${error.message}`);
    throw error;
  });
  if (failures.length > 0)
    throw new CredentialError(failures[0]?.includes("Datadog") ? "datadog" : "segment", failures.join("; "));
}

export async function runCheck(config: CheckConfig, deps: { now: () => number; logger: Logger }): Promise<CheckReport> {
  const { logger } = deps;
  const to = Math.floor(deps.now() / 1000) * 1000;
  const from = to - config.windowMs;
  const part = config.windowMs / TREND_PARTS;
  const budget = new RateBudget({ perMinute: config.rateLimits, concurrency: config.concurrency });
  const clients = config.workspaces.map(
    (w) => new SegmentHttp({ budget, baseUrl: w.apiUrl, token: w.token, logger, timeoutMs: config.requestTimeoutMs }),
  );
  const report: CheckReport = { from: isoSeconds(from), to: isoSeconds(to), ok: true, connections: [], sources: [] };
  try {
    await verifyCredentials(config, clients, logger);
    const delivery = granularityFor(DELIVERY_METRICS_LIMITS, from, config.windowMs, to);
    const events = granularityFor(EVENTS_VOLUME_LIMITS, from, config.windowMs, to);
    // Any window that fits the summary fits Delivery Overview's longer limits. Up to 4 h this is
    // MINUTE, so "last seen" is exact to the minute; longer windows read HOUR steps (one request
    // sequence per connection either way), and "last seen" is then the start of the newest hour.
    const overview = granularityFor(DELIVERY_OVERVIEW_LIMITS, from, config.windowMs, to);
    if (!delivery || !events || !overview) throw new Error("window validated at start-up no longer fits the limits");
    for (const [i, ws] of config.workspaces.entries()) {
      const http = clients[i] as SegmentHttp;
      const found = await discover(http, ws, logger);
      const slug = found.workspace.slug;
      const details = new WorkspaceErrorDetails(http, slug, logger, config.errorDetails);
      const active = found.active.filter((c) => inShard(`${found.workspace.id}/${c.key}`, config.shard));
      const summary = (c: Connection, start: number, end: number) =>
        getDeliverySummary(http, {
          sourceId: c.source.id,
          destinationId: c.destination.id,
          start,
          end,
          granularity: delivery.granularity,
        });
      const results = await Promise.all(
        active.map(async (c) => {
          const [failed, [whole, ...parts]] = await Promise.all([
            details
              .read({
                sourceId: c.source.id,
                destinationId: c.destination.id,
                start: from,
                end: to,
                granularity: overview.granularity,
              })
              .catch((error: unknown) => {
                // Error details explain a verdict, they are not part of it: a beta endpoint failing
                // after its retries costs this connection its reasons, not the check its exit code.
                if (!(error instanceof UpstreamError)) throw error;
                logger.warn(
                  { workspace: slug, source: c.source.slug, destinationId: c.destination.id },
                  `no error details for ${c.source.slug} → ${c.destination.id}: ${error.message}`,
                );
                return undefined;
              }),
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
          const verdict = judgeConnection(numbers, thresholdsFor(config, ws, c));
          return {
            workspace: slug,
            source: c.source.slug,
            sourceId: c.source.id,
            destination: c.destination.name || c.destination.catalogName,
            destinationId: c.destination.id,
            numbers,
            ...verdict,
            ...(failed ? { errors: summariseFailures(failed.dataset) } : {}),
          };
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
      for (const source of found.sources) {
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
        });
      }
    }
    report.ok = report.connections.every((c) => c.ok) && report.sources.every((s) => s.ok);
    return report;
  } catch (error) {
    if (error instanceof UpstreamError) throw new PartialFailureError(`check could not read Segment: ${error.message}`);
    throw error;
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
