// How the emulator answers outside the happy path: rate-limit headers and 429s in their
// configurable forms, the fault kinds, and 200 bodies spoiled by a body fault.
import type { IncomingMessage, ServerResponse } from "node:http";
import { htmlErrorPage, sendJson, sendText, sleep } from "../http.js";
import { ApiError } from "./errors.js";
import { negativeCounts, type SegmentFault, wrongTypes } from "./fault-bodies.js";
import { type RateDecision, resetHeader } from "./ratelimit.js";
import type { SegmentRoute } from "./routing.js";

export type RateLimitForm = "full" | "retry-after" | "ms-before-next" | "reset-only";

export function rateHeaders(d: RateDecision): Record<string, string> {
  return {
    "X-RateLimit-Consumed": String(d.consumed),
    "X-RateLimit-Remaining": String(d.remaining),
    "X-RateLimit-Reset": resetHeader(d.resetMs),
  };
}

/** A 429 carrying the hints of `form` ("full": Retry-After, body data and X-RateLimit-*). */
export function sendTooMany(res: ServerResponse, form: RateLimitForm, d: RateDecision): void {
  const retryAfter = String(Math.max(1, Math.ceil(d.msBeforeNext / 1000)));
  const data = { remainingPoints: 0, msBeforeNext: d.msBeforeNext, consumedPoints: d.consumed };
  const withData = form === "full" || form === "ms-before-next";
  const body = new ApiError(429, "RequestError", "Too many requests", undefined, withData ? data : undefined).body();
  const headers: Record<string, string> =
    form === "full"
      ? { "Retry-After": retryAfter, ...rateHeaders(d) }
      : form === "retry-after"
        ? { "Retry-After": retryAfter }
        : form === "reset-only"
          ? { "X-RateLimit-Reset": resetHeader(d.resetMs) }
          : {};
  sendJson(res, 429, body, headers);
}

export interface FaultSettings {
  slowMs: number;
  /** Wait announced by injected 429s. */
  faultRetryMs: number;
  now: () => number;
}

/** Answers a fault that replaces the whole response; false when the request should go on ("slow", body faults). */
export async function sendFault(
  fault: SegmentFault,
  req: IncomingMessage,
  res: ServerResponse,
  settings: FaultSettings,
): Promise<boolean> {
  const injected = (): RateDecision => ({
    allowed: false,
    consumed: 0,
    remaining: 0,
    resetMs: settings.now() + settings.faultRetryMs,
    msBeforeNext: settings.faultRetryMs,
  });
  switch (fault) {
    case "500-json":
      sendJson(res, 500, new ApiError(500, "InternalServerError", "Internal server error").body());
      return true;
    case "502-html":
    case "503-html": {
      const status = fault === "502-html" ? 502 : 503;
      sendText(res, status, htmlErrorPage(status), "text/html");
      return true;
    }
    case "500-empty":
      res.writeHead(500, { "content-length": 0 });
      res.end();
      return true;
    case "reset":
      req.socket.destroy();
      return true;
    case "slow":
      await sleep(settings.slowMs);
      return false;
    case "429-retry-after":
      sendTooMany(res, "retry-after", injected());
      return true;
    case "429-ms-before-next":
      sendTooMany(res, "ms-before-next", injected());
      return true;
    case "429-reset":
      sendTooMany(res, "reset-only", injected());
      return true;
    case "401":
      sendJson(res, 401, new ApiError(401, "Unauthorized", "The token is invalid or has been revoked").body());
      return true;
    case "html-200":
      // A proxy's error page passed through with 200, as captive portals and misconfigured gateways do.
      sendText(res, 200, htmlErrorPage(502), "text/html");
      return true;
    default:
      return false;
  }
}

/** A successful reply, spoiled by `fault` when it is a body fault. */
export function sendData(
  res: ServerResponse,
  route: SegmentRoute,
  status: number,
  data: unknown,
  fault: SegmentFault | undefined,
  headers: Record<string, string>,
): void {
  if (fault === "invalid-json") {
    const text = JSON.stringify({ data });
    sendText(res, status, text.slice(0, Math.max(1, Math.floor(text.length / 2))), "application/json", headers);
  } else if (fault === "missing-fields") sendJson(res, status, { data: {} }, headers);
  else if (fault === "wrong-types") sendJson(res, status, { data: wrongTypes(route, data) }, headers);
  else if (fault === "negative-counts") sendJson(res, status, { data: negativeCounts(route, data) }, headers);
  else sendJson(res, status, { data }, headers);
}
