// The Segment Public API emulator over node:http. Order per request: /_emulator/* (no auth) →
// auth (401) → route (404/405) → Accept (406) → fault (once, after auth: a fault never hides a
// bad token) → rate limit (429; faulted requests consume no points) → handler → body faults.
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaultInjector } from "../faults.js";
import { listen, sendJson, sleep } from "../http.js";
import type { DeliveryOverviewStep } from "./delivery-overview.js";
import type { ReasonCount } from "./draws.js";
import { ApiError, validationError } from "./errors.js";
import { BODY_FAULTS, type SegmentFault } from "./fault-bodies.js";
import { type DeliveryOverviewAccess, type DestinationHealth, demoFixture, type WorkspaceFixture } from "./fixture.js";
import { isoSeconds, parseTime } from "./limits.js";
import { parseQuery } from "./query.js";
import { FixedWindowLimiter } from "./ratelimit.js";
import { type RateLimitForm, rateHeaders, sendData, sendFault, sendTooMany } from "./replies.js";
import type { HandlerContext } from "./routes.js";
import { acceptable, matchRoute, type SegmentRoute } from "./routing.js";
import { createTruth, type SegmentTruth } from "./truth.js";

export type { RateLimitForm };

export interface SegmentEmulatorOptions {
  host?: string;
  port?: number;
  /** Bearer token the emulator accepts. Default "sandbox-segment-token". */
  token?: string;
  fixture?: WorkspaceFixture;
  /** The DATA clock (ms): what "now" is for limits and ground truth. Default Date.now. */
  now?: () => number;
  /** Real clock for rate-limit windows and the request log. Default Date.now. */
  realNow?: () => number;
  /** Length of a rate-limit window; a minute like Segment's unless a test shortens it. */
  rateLimitWindowMs?: number;
  maxRetryDelayMs?: number;
  rateLimitsPerMinute?: Partial<Record<SegmentRoute, number>>;
  /** Default 6000; events volume defaults to its documented 60. */
  defaultRateLimitPerMinute?: number;
  /** Which hints a real (not injected) 429 carries. Default "full". */
  rateLimitForm?: RateLimitForm;
  /** Delay of the "slow" fault. Default 3000 ms. */
  slowMs?: number;
  /** Wait announced by the injected 429 faults. Default 1000 ms. */
  faultRetryMs?: number;
  /** Delivery Overview access (false: 403, "not-found": 404). Default: the fixture's `deliveryOverview`, else true. */
  deliveryOverview?: DeliveryOverviewAccess;
  /** Serve at most this many Delivery Overview entries per page, whatever the count asked (clients must follow `next`). */
  deliveryOverviewPageCap?: number;
  /**
   * Every API answer (not /_emulator/*) is held this long before it is handled, like a distant
   * server's round trip; for benchmarks. Default 0 (off).
   */
  latencyMs?: number;
}

export interface SegmentRequestLog {
  /** Real time (ms) the request arrived. */
  at: number;
  method: string;
  route: SegmentRoute | "unknown";
  path: string;
  /** Raw query string without "?". The token is never logged. */
  query: string;
  /** Real time (ms) the answer was sent in full or the connection closed; absent while in flight. */
  end?: number;
  /** 0 when the connection was reset without a response. */
  status: number;
  accept: string | undefined;
  fault?: SegmentFault;
}

export interface SegmentEmulator {
  url: string;
  token: string;
  fixture: WorkspaceFixture;
  truth: SegmentTruth;
  requests: SegmentRequestLog[];
  faults: FaultInjector<SegmentFault>;
  setNow(fn: () => number): void;
  /** Health for every minute from `fromMs` on (default: all time). */
  setHealth(destinationId: string, health: DestinationHealth, fromMs?: number): void;
  setRateLimit(route: SegmentRoute, perMinute: number): void;
  /** Lets the workspace's token use Delivery Overview (true), or makes every step answer 403 (false) or 404 ("not-found"). */
  setDeliveryOverview(access: DeliveryOverviewAccess): void;
  /**
   * Delivery Overview requests received (faulted and rejected ones included), optionally only those
   * of one step and one connection: `destinationConfigId` and/or `sourceId` as sent.
   */
  deliveryOverviewRequests(filter?: {
    step?: DeliveryOverviewStep;
    sourceId?: string;
    destinationConfigId?: string;
  }): number;
  resetRequests(): void;
  close(): Promise<void>;
}

export const DEFAULT_SEGMENT_TOKEN = "sandbox-segment-token";

export async function startSegmentEmulator(options: SegmentEmulatorOptions = {}): Promise<SegmentEmulator> {
  const token = options.token ?? DEFAULT_SEGMENT_TOKEN;
  const fixture = options.fixture ?? demoFixture();
  const truth = createTruth(
    fixture,
    options.maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs: options.maxRetryDelayMs },
  );
  const realNow = options.realNow ?? Date.now;
  const limiter = new FixedWindowLimiter(realNow, options.rateLimitWindowMs);
  const limits: Partial<Record<SegmentRoute, number>> = { "events-volume": 60, ...options.rateLimitsPerMinute };
  const defaultLimit = options.defaultRateLimitPerMinute ?? 6000;
  const form = options.rateLimitForm ?? "full";
  const slowMs = options.slowMs ?? 3000;
  const faultRetryMs = options.faultRetryMs ?? 1000;
  const latencyMs = options.latencyMs ?? 0;
  const faults = new FaultInjector<SegmentFault>();
  const requests: SegmentRequestLog[] = [];
  let now = options.now ?? Date.now;
  let deliveryOverview: DeliveryOverviewAccess = options.deliveryOverview ?? fixture.deliveryOverview ?? true;

  function emulatorRoute(path: string, rawQuery: string, res: ServerResponse): void {
    try {
      if (path === "/_emulator/requests") sendJson(res, 200, { data: { requests } });
      else if (path === "/_emulator/truth/delivery") sendJson(res, 200, { data: truthDelivery(rawQuery) });
      else if (path === "/_emulator/truth/failed-delivery") sendJson(res, 200, { data: truthFailed(rawQuery) });
      else if (path.startsWith("/_emulator/truth/")) sendJson(res, 200, { data: truthPipeline(path, rawQuery) });
      else sendJson(res, 404, new ApiError(404, "NotFound", "Unknown emulator route").body());
    } catch (err) {
      if (err instanceof ApiError) sendJson(res, err.status, err.body());
      else throw err;
    }
  }

  function truthDelivery(rawQuery: string) {
    const q = parseQuery(rawQuery);
    const sourceId = q.scalar("sourceId");
    const destinationId = q.scalar("destinationId");
    if (!sourceId) throw validationError("sourceId", "sourceId is required");
    if (!destinationId) throw validationError("destinationId", "destinationId is required");
    const dest = truth.destination(destinationId);
    if (!dest || dest.sourceId !== sourceId) throw new ApiError(404, "NotFound", "No such connection");
    const start = parseTime("startTime", q.scalar("startTime"));
    const end = parseTime("endTime", q.scalar("endTime"));
    return truth.deliverySummary(sourceId, destinationId, start, end, now());
  }

  /** Per (minute, reason) failed deliveries of one connection, as the truth has them. */
  function truthFailed(rawQuery: string) {
    const q = parseQuery(rawQuery);
    const sourceId = q.scalar("sourceId") ?? "";
    const destinationId = q.scalar("destinationConfigId") ?? "";
    const dest = truth.destination(destinationId);
    if (!dest || dest.sourceId !== sourceId) throw new ApiError(404, "NotFound", "No such connection");
    const start = parseTime("startTime", q.scalar("startTime"));
    const end = parseTime("endTime", q.scalar("endTime"));
    return {
      failed: truth
        .failedByReason(sourceId, destinationId, start, end, now())
        .map((f) => ({ time: isoSeconds(f.minuteMs), reason: f.reason, count: f.count })),
    };
  }

  /**
   * Per (minute, reason) counts of one of the first pipeline steps, as the truth has them:
   * `/_emulator/truth/<failed-on-ingest|filtered-at-source|filtered-at-destination>`.
   */
  function truthPipeline(path: string, rawQuery: string) {
    const step = path.slice("/_emulator/truth/".length);
    const q = parseQuery(rawQuery);
    const sourceId = q.scalar("sourceId") ?? "";
    const destinationId = q.scalar("destinationConfigId") ?? "";
    const read: Record<string, (start: number, end: number, at: number) => ReasonCount[]> = {
      "failed-on-ingest": (start, end, at) => truth.ingestFailedByReason(sourceId, start, end, at),
      "filtered-at-source": (start, end, at) => truth.filteredAtSourceByReason(sourceId, start, end, at),
      "filtered-at-destination": (start, end, at) =>
        truth.filteredAtDestinationByReason(sourceId, destinationId, start, end, at),
    };
    const counts = Object.hasOwn(read, step) ? read[step] : undefined;
    if (!counts) throw new ApiError(404, "NotFound", "Unknown emulator route");
    if (!truth.source(sourceId)) throw new ApiError(404, "NotFound", "No such source");
    if (step === "filtered-at-destination" && truth.destination(destinationId)?.sourceId !== sourceId) {
      throw new ApiError(404, "NotFound", "No such connection");
    }
    const start = parseTime("startTime", q.scalar("startTime"));
    const end = parseTime("endTime", q.scalar("endTime"));
    return {
      counts: counts(start, end, now()).map((f) => ({
        time: isoSeconds(f.minuteMs),
        reason: f.reason,
        count: f.count,
      })),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? "/";
    const path = new URL(rawUrl, "http://emulator.invalid").pathname;
    const q = rawUrl.indexOf("?");
    const rawQuery = q === -1 ? "" : rawUrl.slice(q + 1); // as sent, not re-serialised by URL
    if (path.startsWith("/_emulator/")) return emulatorRoute(path, rawQuery, res);

    const accept = req.headers.accept;
    let match: ReturnType<typeof matchRoute>;
    try {
      match = matchRoute(path);
    } catch {
      match = undefined; // malformed percent-encoding in a path segment
    }
    const entry: SegmentRequestLog = {
      at: realNow(),
      method: req.method ?? "GET",
      route: match?.def.route ?? "unknown",
      path,
      query: rawQuery,
      status: 0,
      accept,
    };
    requests.push(entry);
    res.on("finish", () => {
      entry.status = res.statusCode;
      entry.end ??= realNow();
    });
    res.on("close", () => {
      entry.end ??= realNow();
    });
    if (latencyMs > 0) await sleep(latencyMs);

    const auth = req.headers.authorization;
    if (auth === undefined || !/^Bearer /i.test(auth) || auth.slice(7) !== token) {
      return sendJson(res, 401, new ApiError(401, "Unauthorized", "Missing or invalid token").body());
    }
    if (!match) return sendJson(res, 404, new ApiError(404, "NotFound", `No route for ${path}`).body());
    if (req.method !== "GET") {
      return sendJson(res, 405, new ApiError(405, "MethodNotAllowed", `${req.method} is not supported here`).body());
    }
    const { def } = match;
    if (!acceptable(accept, def.versions)) {
      const message = `${def.route} is available in ${def.versions.join(", ")} only`;
      return sendJson(res, 406, new ApiError(406, "NotAcceptable", message).body());
    }

    const fault = faults.next(def.route, { path, query: rawQuery });
    if (fault) {
      entry.fault = fault;
      if (await sendFault(fault, req, res, { slowMs, faultRetryMs, now: realNow })) return;
    }

    const decision = limiter.consume(`${def.route}\u0000${token}`, limits[def.route] ?? defaultLimit);
    if (!decision.allowed) return sendTooMany(res, form, decision);
    const headers = rateHeaders(decision);

    const ctx: HandlerContext = {
      truth,
      query: parseQuery(rawQuery),
      params: match.params,
      now: now(),
      headers: req.headers,
      deliveryOverview,
      ...(options.deliveryOverviewPageCap === undefined ? {} : { pageCap: options.deliveryOverviewPageCap }),
      status: 200,
    };
    try {
      const data = await def.handler(ctx);
      sendData(res, def.route, ctx.status, data, fault && BODY_FAULTS.has(fault) ? fault : undefined, headers);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      sendJson(res, err.status, err.body(), headers);
    }
  }

  const listening = await listen(
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        sendJson(res, 500, new ApiError(500, "InternalServerError", `emulator bug: ${String(err)}`).body());
      });
    },
    {
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.port === undefined ? {} : { port: options.port }),
    },
  );

  return {
    url: listening.url,
    token,
    fixture,
    truth,
    requests,
    faults,
    setNow(fn) {
      now = fn;
    },
    setHealth(destinationId, health, fromMs) {
      truth.setHealth(destinationId, health, fromMs);
    },
    setRateLimit(route, perMinute) {
      limits[route] = perMinute;
    },
    setDeliveryOverview(access) {
      deliveryOverview = access;
    },
    deliveryOverviewRequests(filter = {}) {
      return requests.filter((r) => {
        if (!r.route.startsWith("delivery-overview-")) return false;
        if (filter.step !== undefined && r.route !== `delivery-overview-${filter.step}`) return false;
        if (filter.sourceId === undefined && filter.destinationConfigId === undefined) return true;
        const q = parseQuery(r.query);
        return (
          (filter.sourceId === undefined || q.scalar("sourceId") === filter.sourceId) &&
          (filter.destinationConfigId === undefined || q.scalar("destinationConfigId") === filter.destinationConfigId)
        );
      }).length;
    },
    resetRequests() {
      requests.length = 0;
    },
    close: () => listening.close(),
  };
}
