// Local Prometheus remote-write receiver (reference §2.2): `POST /api/v1/write` with a remote write
// 1.0 body, 204 when stored, 400 with Prometheus' error text when the head refuses a sample (the
// whole request rolled back, see head.ts), optional basic or bearer auth (401) as the proxies in
// front of Mimir and Grafana Cloud add it, `X-Scope-OrgID` recorded. Faults as the other emulators
// inject them; test-only inspection routes under /_emulator/.
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeWriteRequestProto } from "../../sinks/prometheus/proto.js";
import { decompressBody, type ProtoTimeSeries } from "../../sinks/prometheus/wire.js";
import { FaultInjector } from "../faults.js";
import { header, htmlErrorPage, listenAsync, readBody, sendText } from "../http.js";
import { answerLogged, inspection, logEntry, withFault } from "../intake-flow.js";
import { Head, type IncomingSeries } from "./head.js";
import { receivedLabels, seriesKey } from "./labels.js";
import type {
  PrometheusEmulator,
  PrometheusEmulatorOptions,
  PrometheusFault,
  PrometheusRequestLog,
  RemoteWriteAuth,
} from "./types.js";

export const WRITE_PATH = "/api/v1/write";

interface Reply {
  status: number;
  error?: string;
  /** Go's http.Error body: the message and a newline, as text/plain. */
  text?: string;
  html?: string;
  headers?: Record<string, string>;
}

const goError = (status: number, message: string, headers: Record<string, string> = {}): Reply => ({
  status,
  error: message,
  text: `${message}\n`,
  headers: { "x-content-type-options": "nosniff", ...headers },
});

function authorized(auth: RemoteWriteAuth | undefined, value: string | undefined): boolean {
  if (!auth) return true;
  if ("bearerToken" in auth) return value === `Bearer ${auth.bearerToken}`;
  const expected = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
  return value !== undefined && /^basic /i.test(value) && value.slice(6).trim() === expected;
}

function faultReply(fault: PrometheusFault, retryAfterSeconds: number): Reply | undefined {
  if (fault === "429") return goError(429, "too many requests", { "retry-after": String(retryAfterSeconds) });
  if (fault === "500") return goError(500, "internal server error");
  if (fault === "502-html") return { status: 502, html: htmlErrorPage(502), error: "Bad Gateway" };
  if (fault === "503") return goError(503, "service unavailable");
  return undefined;
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.html !== undefined) sendText(res, reply.status, reply.html, "text/html", reply.headers);
  else if (reply.text !== undefined) sendText(res, reply.status, reply.text, undefined, reply.headers);
  else {
    res.writeHead(reply.status, reply.headers);
    res.end();
  }
}

/** A present Content-Encoding or Content-Type other than remote write 1.0's is 415 (Prometheus ≥ 2.54). */
function unsupportedMedia(log: PrometheusRequestLog): Reply | undefined {
  const encoding = log.contentEncoding?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== "snappy")
    return goError(415, `unsupported compression: ${encoding}. Only snappy is supported`);
  const type = log.contentType?.split(";")[0]?.trim().toLowerCase();
  if (type !== undefined && type !== "application/x-protobuf")
    return goError(415, `unsupported content type: ${type}, expected application/x-protobuf`);
  return undefined;
}

/** Valid series to offer the head; invalid label sets are skipped and counted in the log. */
function incomingSeries(decoded: readonly ProtoTimeSeries[], log: PrometheusRequestLog): IncomingSeries[] {
  const series: IncomingSeries[] = [];
  let invalid = 0;
  for (const ts of decoded) {
    const received = receivedLabels(ts.labels);
    if ("invalid" in received) invalid += ts.samples.length;
    else series.push({ ...received, samples: ts.samples });
  }
  if (invalid > 0) log.invalidLabelSamples = invalid;
  return series;
}

export async function startPrometheusEmulator(options: PrometheusEmulatorOptions = {}): Promise<PrometheusEmulator> {
  let now = options.now ?? Date.now;
  const head = new Head({
    pastWindowMs: options.pastWindowMs ?? 3_600_000,
    futureToleranceMs: options.futureToleranceMs === undefined ? 600_000 : options.futureToleranceMs,
  });
  const maxDecodedBytes = options.maxDecodedBytes ?? 32 * 1024 * 1024;
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const slowMs = options.slowMs ?? 3000;
  const requests: PrometheusRequestLog[] = [];
  const faults = new FaultInjector<PrometheusFault>();

  function write(body: Buffer, log: PrometheusRequestLog): Reply {
    let decoded: ProtoTimeSeries[];
    try {
      const proto = decompressBody(body, maxDecodedBytes);
      log.decodedBytes = proto.length;
      decoded = decodeWriteRequestProto(proto);
    } catch (err) {
      return goError(400, (err as Error).message);
    }
    log.series = decoded.length;
    log.samples = decoded.reduce((n, ts) => n + ts.samples.length, 0);
    log.metrics = [...new Set(decoded.map((ts) => ts.labels.find((l) => l.name === "__name__")?.value ?? ""))];
    const outcome = head.append(incomingSeries(decoded, log), now());
    if ("refused" in outcome) return goError(400, outcome.refused.error);
    log.appended = outcome.appended;
    if (outcome.ignored > 0) log.ignored = outcome.ignored;
    return { status: 204 };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://emulator").pathname;
    const body = await readBody(req);
    if (path.startsWith("/_emulator/"))
      return inspection(req, res, path, { series: () => head.all(), requests: () => requests }, reset);
    // Credentials are never logged; only the status shows they were missing or wrong.
    const log = logEntry<PrometheusRequestLog>(req, path, body, {
      contentEncoding: "content-encoding",
      contentType: "content-type",
      remoteWriteVersion: "x-prometheus-remote-write-version",
      userAgent: "user-agent",
      tenant: "x-scope-orgid",
    });
    await answerLogged(req, res, log, requests, () => answer(req, path, body, log), send);
  }

  /** The reply, or undefined when the connection is to be reset instead. */
  async function answer(
    req: IncomingMessage,
    path: string,
    body: Buffer,
    log: PrometheusRequestLog,
  ): Promise<Reply | undefined> {
    if (path !== WRITE_PATH) return goError(404, "404 page not found");
    if (req.method !== "POST") return goError(405, "Method Not Allowed");
    if (!authorized(options.auth, header(req, "authorization"))) {
      const challenge: Record<string, string> =
        options.auth && "username" in options.auth ? { "www-authenticate": 'Basic realm="remote write"' } : {};
      return goError(401, "Unauthorized", challenge);
    }
    const play = { reply: (f: PrometheusFault) => faultReply(f, retryAfterSeconds), slowMs };
    return withFault(faults, "write", log, play, () => unsupportedMedia(log) ?? write(body, log));
  }

  function reset(): void {
    head.clear();
    requests.length = 0;
    faults.clear();
    faults.served.clear();
  }

  const listening = await listenAsync(handle, (res, err) => sendText(res, 500, `emulator error: ${err.message}\n`), {
    host: options.host,
    port: options.port,
  });

  return {
    url: listening.url,
    writeUrl: `${listening.url}${WRITE_PATH}`,
    series: () => head.all(),
    samples: (labels) =>
      head.samples(seriesKey(Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== "")))),
    requests,
    faults,
    setNow(fn) {
      now = fn;
    },
    reset,
    close: () => listening.close(),
  };
}
