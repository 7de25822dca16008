// What the emulator answers, as data: handlers return a Reply, the server sends it (or resets the
// connection instead, for the "reset-after-store" fault).
import type { ServerResponse } from "node:http";
import { htmlErrorPage, sendJson, sendText } from "../http.js";
import type { DatadogFault, DatadogRoute } from "./types.js";

export interface Reply {
  status: number;
  /** JSON body; ignored when `text` is set. */
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Logged as DatadogRequestLog.error. */
  error?: string;
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return; // the client gave up (e.g. timed out during a "slow" fault)
  const headers = reply.headers ?? {};
  if (reply.text !== undefined) sendText(res, reply.status, reply.text, reply.contentType, headers);
  else if (reply.json !== undefined) sendJson(res, reply.status, reply.json, headers);
  else {
    res.writeHead(reply.status, { "content-length": 0, ...headers });
    res.end();
  }
}

export const apiError = (status: number, message: string, error = message): Reply => ({
  status,
  json: { errors: [message] },
  error,
});

/**
 * The v2 JSON:API endpoints (historical configuration) document `JSONAPIErrorResponse` for
 * 400/404: error objects, which the client deserializes; bare strings would come out mangled.
 */
export const jsonApiError = (status: number, title: string, detail: string): Reply => ({
  status,
  json: { errors: [{ status: String(status), title, detail }] },
  error: detail,
});

/** 400 as the spec says (JSON), or as the v1 intake has been seen answering (text/plain). */
export function badRequest(detail: string, textErrors: boolean): Reply {
  return textErrors
    ? { status: 400, text: `Payload is not in the expected format: ${detail}`, error: detail }
    : apiError(400, detail);
}

export function payloadTooLarge(detail: string, textErrors: boolean): Reply {
  return textErrors
    ? { status: 413, text: "Payload too large", error: detail }
    : apiError(413, "Payload too large", detail);
}

const RATE_LIMIT_NAMES: Record<DatadogRoute, string> = {
  series: "metrics_intake",
  validate: "validate_api_key",
  historical: "historical_metrics_configurations",
  dashboards: "dashboards",
  monitors: "get_all_monitors",
};

/** The answer of a fault that replaces the real one (reset, reset-after-store and slow excepted). */
export function faultReply(fault: DatadogFault, route: DatadogRoute): Reply | undefined {
  switch (fault) {
    case "408":
      return apiError(408, "Request timeout");
    case "413-json":
      return payloadTooLarge("injected fault", false);
    case "413-text":
      return payloadTooLarge("injected fault", true);
    case "400-text":
      return badRequest("invalid character 'x' looking for beginning of value", true);
    case "429":
      return {
        ...apiError(429, "Too many requests"),
        headers: {
          "x-ratelimit-limit": "100",
          "x-ratelimit-period": "10",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": "1",
          "x-ratelimit-name": RATE_LIMIT_NAMES[route],
        },
      };
    case "500-json":
      return apiError(500, "Internal Server Error");
    case "502-html":
      return { status: 502, text: htmlErrorPage(502), contentType: "text/html", error: "Bad Gateway" };
    case "503-empty":
      return { status: 503, error: "Service Unavailable" };
    case "403":
      return apiError(403, "Forbidden");
    default:
      return undefined;
  }
}
