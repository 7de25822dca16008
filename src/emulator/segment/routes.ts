// Request handlers of the emulated Public API. Each returns the `data` object of a 200 reply or
// throws an ApiError; transport concerns (auth, versions, rate limits, faults) live in server.ts.
import { sleep } from "../http.js";
import { ApiError, notFound, validationError } from "./errors.js";
import type { DeliveryOverviewAccess, FixtureSource } from "./fixture.js";
import {
  checkWindow,
  DEFAULT_START_AGO_MS,
  GRANULARITY_MS,
  type Granularity,
  isoSeconds,
  parseGranularity,
  parseTime,
} from "./limits.js";
import { destinationObject, sourceObject, workspaceObject } from "./objects.js";
import { pageRequest, paginate } from "./pagination.js";
import type { ParsedQuery } from "./query.js";
import type { SegmentTruth } from "./truth.js";
import type { UsageRow } from "./usage.js";
import { parsePeriod } from "./usage.js";

export interface HandlerContext {
  truth: SegmentTruth;
  query: ParsedQuery;
  /** Path parameters in order of appearance. */
  params: string[];
  /** The data clock. */
  now: number;
  headers: Record<string, string | string[] | undefined>;
  /** Whether the workspace's token may use Delivery Overview (see DeliveryOverviewAccess). */
  deliveryOverview: DeliveryOverviewAccess;
  /** Largest page a Delivery Overview answer serves, below the count asked for. */
  pageCap?: number;
  /** Status of a successful reply; only /echo?statusCode=2xx changes it. */
  status: number;
}

export type Handler = (ctx: HandlerContext) => unknown | Promise<unknown>;

function requireSource(ctx: HandlerContext, sourceId: string): FixtureSource {
  const source = ctx.truth.source(sourceId);
  if (!source) throw notFound(`Source with id '${sourceId}' not found.`);
  return source;
}

export const workspace: Handler = (ctx) => ({ workspace: workspaceObject(ctx.truth.fixture) });

export const sources: Handler = (ctx) => {
  const { fixture } = ctx.truth;
  const page = paginate(
    fixture.sources.map((s) => sourceObject(fixture, s)),
    pageRequest(ctx.query),
  );
  return { sources: page.items, pagination: page.pagination };
};

export const connectedDestinations: Handler = (ctx) => {
  const source = requireSource(ctx, ctx.params[0] ?? "");
  const all = ctx.truth.fixture.destinations.filter((d) => d.sourceId === source.id).map(destinationObject);
  const page = paginate(all, pageRequest(ctx.query));
  return { destinations: page.items, pagination: page.pagination };
};

export const destinations: Handler = (ctx) => {
  const page = paginate(ctx.truth.fixture.destinations.map(destinationObject), pageRequest(ctx.query));
  return { destinations: page.items, pagination: page.pagination };
};

export const deliveryMetrics: Handler = (ctx) => {
  const destinationId = ctx.params[0] ?? "";
  const destination = ctx.truth.destination(destinationId);
  const sourceId = ctx.query.scalar("sourceId");
  if (!sourceId) throw validationError("sourceId", "sourceId is required");
  if (!destination) throw notFound(`Destination with id '${destinationId}' not found.`);
  requireSource(ctx, sourceId);
  if (destination.sourceId !== sourceId) {
    throw notFound(`Destination '${destinationId}' is not connected to source '${sourceId}'.`);
  }
  const granularity: Granularity = ctx.query.has("granularity")
    ? parseGranularity(ctx.query.scalar("granularity"))
    : "MINUTE";
  const endMs = ctx.query.has("endTime") ? parseTime("endTime", ctx.query.scalar("endTime")) : ctx.now;
  const startMs = ctx.query.has("startTime")
    ? parseTime("startTime", ctx.query.scalar("startTime"))
    : ctx.now - DEFAULT_START_AGO_MS[granularity]; // DAY's 30-day default is then rejected by the 14-day limit
  checkWindow(granularity, startMs, endMs, ctx.now);
  const s = ctx.truth.deliverySummary(sourceId, destinationId, startMs, endMs, ctx.now);
  return {
    deliveryMetricsSummary: {
      sourceId,
      destinationMetadataId: destination.catalog.id,
      metrics: [
        {
          metricName: "successes",
          total: s.successes,
          breakdown: [
            { metricName: "successes_on_first_attempt", value: s.successesOnFirstAttempt },
            { metricName: "successes_after_retry", value: s.successesAfterRetry },
          ],
        },
        { metricName: "expired", total: s.expired },
        { metricName: "discarded", total: s.discarded },
        { metricName: "retried", total: s.retried },
        {
          // `total` is undocumented for latencies; the model reports the number of successes measured.
          metricName: "time_to_success",
          total: s.successes,
          breakdown: [
            { metricName: "time_to_success_average", value: s.timeToSuccessAverage },
            { metricName: "time_to_success_p95", value: s.timeToSuccessP95 },
          ],
        },
        {
          metricName: "time_to_first_attempt",
          total: s.successes,
          breakdown: [
            { metricName: "time_to_first_attempt_average", value: s.timeToFirstAttemptAverage },
            { metricName: "time_to_first_attempt_p95", value: s.timeToFirstAttemptP95 },
          ],
        },
      ],
    },
  };
};

const GROUP_BY = ["source", "eventName", "eventType"] as const;

interface VolumeEntry {
  source?: { id: string; name: string; slug: string };
  eventName?: string;
  eventType?: string;
  total: number;
  series: Array<{ time: string; count: number }>;
}

/**
 * Buckets are aligned to the granularity from the epoch and clipped to [startTime, endTime)
 * (undocumented; our choice). Every combination the fixture has is listed, zero totals included.
 */
export const eventsVolume: Handler = (ctx) => {
  const q = ctx.query;
  const granularity = parseGranularity(q.scalar("granularity"));
  const startMs = parseTime("startTime", q.scalar("startTime"));
  const endMs = parseTime("endTime", q.scalar("endTime"));
  checkWindow(granularity, startMs, endMs, ctx.now);
  const groupBy = q.list("groupBy") ?? [];
  for (const g of groupBy) {
    if (!(GROUP_BY as readonly string[]).includes(g)) {
      throw validationError("groupBy", `groupBy values must be among ${GROUP_BY.join(", ")}, got "${g}"`);
    }
  }
  const sourceIds = q.list("sourceId");
  const eventNames = q.list("eventName", false); // event names may contain commas
  const eventTypes = q.list("eventType");
  const appVersions = q.list("appVersion"); // accepted, not modelled: no event carries an app version
  const page = pageRequest(q);

  const size = GRANULARITY_MS[granularity];
  const buckets: Array<[number, number]> = [];
  for (let b = Math.floor(startMs / size) * size; b < endMs; b += size) buckets.push([b, Math.max(b, startMs)]);
  const entries = new Map<string, VolumeEntry>();
  if (groupBy.length === 0) entries.set("", { total: 0, series: [] });
  for (const src of ctx.truth.fixture.sources) {
    if (sourceIds && !sourceIds.includes(src.id)) continue;
    for (const kind of ctx.truth.eventKinds(src.id)) {
      if (eventNames && !eventNames.includes(kind.eventName)) continue;
      if (eventTypes && !eventTypes.includes(kind.eventType)) continue;
      const key = [
        groupBy.includes("source") ? src.id : "",
        groupBy.includes("eventName") ? kind.eventName : "",
        groupBy.includes("eventType") ? kind.eventType : "",
      ].join("\u0000");
      let entry = entries.get(groupBy.length === 0 ? "" : key);
      if (!entry) {
        entry = {
          ...(groupBy.includes("source") ? { source: { id: src.id, name: src.name, slug: src.slug } } : {}),
          ...(groupBy.includes("eventName") ? { eventName: kind.eventName } : {}),
          ...(groupBy.includes("eventType") ? { eventType: kind.eventType } : {}),
          total: 0,
          series: [],
        };
        entries.set(key, entry);
      }
      buckets.forEach(([b, from], i) => {
        const count = ctx.truth.eventVolume(src.id, from, Math.min(b + size, endMs), ctx.now, kind);
        const target = entry as VolumeEntry;
        target.total += count;
        const point = target.series[i];
        if (point) point.count += count;
        else target.series[i] = { time: isoSeconds(b), count };
      });
    }
  }
  const result = [...entries.values()].map((e) => ({
    ...e,
    series: buckets.map(([b], i) => e.series[i] ?? { time: isoSeconds(b), count: 0 }),
  }));
  result.sort((a, b) => b.total - a.total); // stable: ties keep fixture order
  const paged = paginate(result, page);
  const query: Record<string, unknown> = {
    workspaceId: ctx.truth.fixture.workspace.id,
    granularity,
    startTime: q.scalar("startTime"),
    endTime: q.scalar("endTime"),
  };
  if (groupBy.length > 0) query.groupBy = groupBy;
  if (sourceIds) query.sourceId = sourceIds;
  if (eventNames) query.eventName = eventNames;
  if (eventTypes) query.eventType = eventTypes;
  if (appVersions) query.appVersion = appVersions;
  return { path: "/observability/event_volume/v2.json", query, result: paged.items, pagination: paged.pagination };
};

function usageRows(ctx: HandlerContext) {
  const period = ctx.query.scalar("period");
  if (!period) throw validationError("period", "period is required");
  if (!parsePeriod(period))
    throw validationError("period", `period must be the first day of a month (YYYY-MM-01), got "${period}"`);
  return ctx.truth.dailyUsage(period, ctx.now);
}

function mtuFields(row: UsageRow, periodStartMs: number, periodEndMs: number) {
  return {
    periodStart: periodStartMs / 1000,
    periodEnd: periodEndMs / 1000,
    anonymous: String(row.mtu.anonymous),
    anonymousIdentified: String(row.mtu.anonymousIdentified),
    identified: String(row.mtu.identified),
    neverIdentified: String(row.mtu.neverIdentified),
    timestamp: new Date(row.dayStartMs).toISOString(),
  };
}

export const usageMtuSources: Handler = (ctx) => {
  const u = usageRows(ctx);
  const items = u.sources.map((r) => ({ sourceId: r.sourceId, ...mtuFields(r, u.periodStartMs, u.periodEndMs) }));
  const page = paginate(items, pageRequest(ctx.query));
  return { dailyPerSourceMTUUsage: page.items, pagination: page.pagination };
};

export const usageMtu: Handler = (ctx) => {
  const u = usageRows(ctx);
  const page = paginate(
    u.workspace.map((r) => mtuFields(r, u.periodStartMs, u.periodEndMs)),
    pageRequest(ctx.query),
  );
  return { dailyWorkspaceMTUUsage: page.items, pagination: page.pagination };
};

export const usageApiCallsSources: Handler = (ctx) => {
  const u = usageRows(ctx);
  const items = u.sources.map((r) => ({
    sourceId: r.sourceId,
    apiCalls: String(r.apiCalls),
    timestamp: new Date(r.dayStartMs).toISOString(),
  }));
  const page = paginate(items, pageRequest(ctx.query));
  return { dailyPerSourceAPICallsUsage: page.items, pagination: page.pagination };
};

export const usageApiCalls: Handler = (ctx) => {
  const u = usageRows(ctx);
  const items = u.workspace.map((r) => ({
    apiCalls: String(r.apiCalls),
    timestamp: new Date(r.dayStartMs).toISOString(),
  }));
  const page = paginate(items, pageRequest(ctx.query));
  return { dailyWorkspaceAPICallsUsage: page.items, pagination: page.pagination };
};

const MAX_ECHO_DELAY_MS = 30_000;

function flag(value: string | undefined): boolean {
  return value === "true" || value === "1";
}

/** GET /echo: message, delay (ms), triggerError, triggerMultipleErrors, triggerUnexpectedError, statusCode. */
export const echo: Handler = async (ctx) => {
  const q = ctx.query;
  const message = q.scalar("message");
  if (message === undefined) throw validationError("message", "message is required");
  const delay = q.scalar("delay");
  if (delay !== undefined) {
    if (!/^\d+$/.test(delay)) throw validationError("delay", "delay must be a number of milliseconds");
    await sleep(Math.min(Number(delay), MAX_ECHO_DELAY_MS));
  }
  if (flag(q.scalar("triggerError"))) throw new ApiError(400, "RequestError", message);
  if (flag(q.scalar("triggerMultipleErrors"))) {
    throw new ApiError(400, "RequestError", message, undefined, undefined, [{ type: "RequestError", message }]);
  }
  if (flag(q.scalar("triggerUnexpectedError")))
    throw new ApiError(500, "InternalServerError", "An unexpected error occurred");
  const statusCode = q.scalar("statusCode");
  if (statusCode !== undefined) {
    const status = /^\d{3}$/.test(statusCode) ? Number(statusCode) : 0;
    if (status < 200 || status > 599)
      throw validationError("statusCode", "statusCode must be an HTTP status between 200 and 599");
    if (status >= 300) throw new ApiError(status, "RequestError", message);
    ctx.status = status;
  }
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(ctx.headers)) {
    if (name !== "authorization" && name !== "cookie") headers[name] = value; // never echo the token
  }
  return { method: "get", message, headers };
};
