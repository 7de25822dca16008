// Local New Relic Metric API (reference §1): `POST /metric/v1` with a license key in `Api-Key`
// (header, or query parameter; both must match when both are given), JSON optionally gzipped,
// 202 `{"requestId": uuid}` for what passes the structural checks; every accepted point is stored
// as sent (store.ts), those New Relic drops after its 202 are kept apart. Order per request:
// /_emulator/* → 404/405 → key (403) → fault → 411/413/415 → decode → parse (400) → store.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { FaultInjector } from "../faults.js";
import { header, htmlErrorPage, listenAsync, readBody, sendJson, sendText } from "../http.js";
import { answerLogged, inspection, logEntry, withFault } from "../intake-flow.js";
import { parseMetricPayload } from "./payload.js";
import { NewRelicStore } from "./store.js";
import type { NewRelicEmulator, NewRelicEmulatorOptions, NewRelicFault, NewRelicRequestLog } from "./types.js";

export const METRIC_PATH = "/metric/v1";
export const DEFAULT_NEW_RELIC_LICENSE_KEY = "sandbox-newrelic-license-key";

interface Reply {
  status: number;
  json?: unknown;
  html?: string;
  headers?: Record<string, string>;
  /** Logged as the request's error. */
  error?: string;
}

const refuse = (status: number, error: string, headers?: Record<string, string>): Reply => ({
  status,
  json: { error },
  error,
  ...(headers ? { headers } : {}),
});

function faultReply(fault: NewRelicFault, retryAfterSeconds: number): Reply | undefined {
  switch (fault) {
    case "408":
      return refuse(408, "request timeout");
    case "413":
      return refuse(413, "payload too large");
    case "429":
      return refuse(429, "too many requests", { "retry-after": String(retryAfterSeconds) });
    case "429-no-retry-after":
      return refuse(429, "too many requests");
    case "500":
      return refuse(500, "internal server error");
    case "502-html":
      return { status: 502, html: htmlErrorPage(502), error: "Bad Gateway" };
    case "503":
      return refuse(503, "service unavailable");
    default:
      return undefined;
  }
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.html !== undefined) sendText(res, reply.status, reply.html, "text/html", reply.headers);
  else sendJson(res, reply.status, reply.json ?? {}, reply.headers);
}

export async function startNewRelicEmulator(options: NewRelicEmulatorOptions = {}): Promise<NewRelicEmulator> {
  const keys = new Set(options.licenseKeys ?? [DEFAULT_NEW_RELIC_LICENSE_KEY]);
  const maxBodyBytes = options.maxBodyBytes ?? 1_000_000;
  const maxDecodedBytes = options.maxDecodedBytes ?? 64 * 1024 * 1024;
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const slowMs = options.slowMs ?? 3000;
  let now = options.now ?? Date.now;
  const store = new NewRelicStore();
  const requests: NewRelicRequestLog[] = [];
  const faults = new FaultInjector<NewRelicFault>();

  function keyAccepted(req: IncomingMessage, url: URL): boolean {
    const inHeader = header(req, "api-key");
    const inQuery = url.searchParams.get("Api-Key") ?? undefined;
    if (inHeader !== undefined && inQuery !== undefined && inHeader !== inQuery) return false;
    const key = inHeader ?? inQuery;
    return key !== undefined && keys.has(key);
  }

  /** 411, 413 and 415 checks, then the decoded text, or the refusal. */
  function decode(req: IncomingMessage, body: Buffer, log: NewRelicRequestLog): Reply | string {
    if (header(req, "content-length") === undefined) return refuse(411, "Content-Length required");
    if (body.length >= maxBodyBytes) return refuse(413, `body of ${body.length} bytes, must be under ${maxBodyBytes}`);
    const type = header(req, "content-type")?.split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json") return refuse(415, `Content-Type ${type ?? "missing"}, expected application/json`);
    const encoding = (log.contentEncoding ?? "identity").trim().toLowerCase();
    if (encoding !== "gzip" && encoding !== "identity")
      return refuse(415, `Content-Encoding ${encoding}, expected GZIP or identity`);
    if (encoding === "identity") return body.toString("utf8");
    try {
      const text = gunzipSync(body, { maxOutputLength: maxDecodedBytes });
      log.decodedBytes = text.length;
      return text.toString("utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
        return refuse(413, `decompressed body over ${maxDecodedBytes} bytes`);
      return refuse(400, "body is not valid gzip");
    }
  }

  function ingest(req: IncomingMessage, body: Buffer, log: NewRelicRequestLog): Reply {
    const text = decode(req, body, log);
    if (typeof text !== "string") return text;
    const receivedAt = now();
    const parsed = parseMetricPayload(text, receivedAt);
    if ("error" in parsed) return refuse(400, parsed.error);
    const requestId = randomUUID();
    log.requestId = requestId;
    log.points = parsed.points.length;
    log.metrics = [...new Set(parsed.points.map((p) => p.name))];
    log.stored = store.add(parsed.points, { requestId, receivedAt });
    log.dropped = log.points - log.stored;
    return { status: 202, json: { requestId } };
  }

  /** The reply, or undefined when the connection is to be reset instead. */
  async function answer(
    req: IncomingMessage,
    url: URL,
    body: Buffer,
    log: NewRelicRequestLog,
  ): Promise<Reply | undefined> {
    if (url.pathname !== METRIC_PATH) return refuse(404, "not found");
    if (req.method !== "POST") return refuse(405, "method not allowed");
    if (!keyAccepted(req, url)) return refuse(403, "invalid license key");
    const play = { reply: (f: NewRelicFault) => faultReply(f, retryAfterSeconds), slowMs };
    return withFault(faults, "metric", log, play, () => ingest(req, body, log));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const body = await readBody(req);
    if (url.pathname.startsWith("/_emulator/")) {
      const lists = {
        points: () => store.points(),
        sums: () => store.countSums(),
        dropped: () => store.dropped,
        requests: () => requests,
      };
      return inspection(req, res, url.pathname, lists, reset);
    }
    // The key is never logged: only a 403 shows it was missing or wrong.
    const log = logEntry<NewRelicRequestLog>(req, url.pathname, body, {
      contentEncoding: "content-encoding",
      userAgent: "user-agent",
    });
    await answerLogged(req, res, log, requests, () => answer(req, url, body, log), send);
  }

  function reset(): void {
    store.clear();
    requests.length = 0;
    faults.clear();
    faults.served.clear();
  }

  const listening = await listenAsync(
    handle,
    (res, err) => sendJson(res, 500, { error: `emulator error: ${err.message}` }),
    {
      host: options.host,
      port: options.port,
    },
  );

  return {
    url: listening.url,
    metricUrl: `${listening.url}${METRIC_PATH}`,
    licenseKey: [...keys][0] ?? "",
    points: (name) => store.points(name),
    dropped: store.dropped,
    sum: (name, attributes, timestampMs) => store.sum(name, attributes, timestampMs),
    countSums: () => store.countSums(),
    requests,
    faults,
    setNow(fn) {
      now = fn;
    },
    reset,
    close: () => listening.close(),
  };
}
