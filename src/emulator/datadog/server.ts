// Local Datadog metrics intake (reference §10): v2/v1 series, key validation, historical
// metrics configuration, dashboards and monitors (assets.ts) with the pages their printed URLs
// point at (views.ts), fault injection and test-only inspection routes under /_emulator/.
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaultInjector } from "../faults.js";
import { listen, readBody, sendJson, sleep } from "../http.js";
import { AssetStore } from "./assets.js";
import { HistoricalConfig } from "./historical.js";
import { HISTORICAL_PATH, handleHistorical } from "./historical-routes.js";
import { handleSeries, type IntakeLimits, V1_LIMITS } from "./intake.js";
import { normalizeMetricName } from "./normalize.js";
import { apiError, faultReply, type Reply, send } from "./replies.js";
import { MemoryPointStore } from "./store.js";
import type {
  DatadogEmulator,
  DatadogEmulatorOptions,
  DatadogFault,
  DatadogRequestLog,
  DatadogRoute,
  DroppedPoint,
} from "./types.js";
import { viewOf } from "./views.js";

function routeOf(path: string): DatadogRoute | undefined {
  if (path === "/api/v2/series" || path === "/api/v1/series") return "series";
  if (path === "/api/v1/validate") return "validate";
  if (path === HISTORICAL_PATH || path.startsWith(`${HISTORICAL_PATH}/`)) return "historical";
  if (path === "/api/v1/dashboard" || path.startsWith("/api/v1/dashboard/")) return "dashboards";
  if (path === "/api/v1/monitor" || path.startsWith("/api/v1/monitor/")) return "monitors";
  return undefined;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name]; // node lower-cases incoming header names
  return Array.isArray(value) ? value[0] : value;
};

const methodNotAllowed = (): Reply => apiError(405, "Method not allowed");

export async function startDatadogEmulator(options: DatadogEmulatorOptions = {}): Promise<DatadogEmulator> {
  const apiKeys = new Set(options.apiKeys ?? ["sandbox-datadog-api-key"]);
  const appKeys = new Set(options.appKeys ?? ["sandbox-datadog-app-key"]);
  const limits: IntakeLimits = {
    maxWireBytes: options.maxWireBytes ?? 512_000,
    maxDecompressedBytes: options.maxDecompressedBytes ?? 5_242_880,
    // The API documents no point limit (reference §4.2: 10 000 is the Agent's own setting).
    maxPointsPerRequest: options.maxPointsPerRequest ?? Number.POSITIVE_INFINITY,
  };
  const textErrors = options.textErrors ?? false;
  const slowMs = options.slowMs ?? 3000;
  let now = options.now ?? Date.now;
  const store = new MemoryPointStore();
  const dropped: DroppedPoint[] = [];
  const requests: DatadogRequestLog[] = [];
  const faults = new FaultInjector<DatadogFault>();
  const historical = new HistoricalConfig();
  const assets = new AssetStore(() => now());
  for (const name of options.historical ?? []) historical.enable(name, new Date(now()));

  function checkApiKey(req: IncomingMessage): Reply | undefined {
    const key = header(req, "dd-api-key");
    if (!key) return apiError(403, "API key required");
    if (!apiKeys.has(key)) return apiError(403, "Forbidden", "unknown API key");
    return undefined;
  }

  function checkAppKey(req: IncomingMessage): Reply | undefined {
    const key = header(req, "dd-application-key");
    if (!key || !appKeys.has(key))
      return apiError(403, "Forbidden", key ? "unknown application key" : "application key required");
    return undefined;
  }

  function handleApi(route: DatadogRoute, req: IncomingMessage, url: URL, body: Buffer, log: DatadogRequestLog): Reply {
    const method = req.method ?? "GET";
    const path = url.pathname;
    if (route === "dashboards" || route === "monitors") {
      // Like every configuration API, both keys (reference §2); the intake needs only the API key.
      const denied = checkApiKey(req) ?? checkAppKey(req);
      if (denied) return denied;
      return route === "dashboards"
        ? assets.handleDashboards(method, path, url, body)
        : assets.handleMonitors(method, path, url, body);
    }
    if (route === "validate") {
      if (method !== "GET") return methodNotAllowed();
      return checkApiKey(req) ?? { status: 200, json: { valid: true } };
    }
    if (route === "historical") {
      // Configuration endpoints need both keys (§4.6), unlike the intake.
      return checkApiKey(req) ?? checkAppKey(req) ?? handleHistorical(method, path, body, historical, new Date(now()));
    }
    if (method !== "POST") return methodNotAllowed();
    const denied = checkApiKey(req);
    if (denied) return denied;
    const version = path === "/api/v1/series" ? 1 : 2;
    return handleSeries(body, log.contentEncoding ?? "", {
      version,
      limits: version === 2 ? limits : { ...limits, ...V1_LIMITS },
      textErrors,
      now: now(),
      store,
      dropped,
      historical,
      log,
    });
  }

  function handleInspection(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const method = req.method ?? "GET";
    const path = url.pathname;
    if (method === "GET" && path === "/_emulator/series") {
      const metric = url.searchParams.get("metric");
      sendJson(res, 200, metric === null ? store.all() : store.series(metric));
    } else if (method === "GET" && path === "/_emulator/dashboards")
      sendJson(res, 200, [...assets.dashboards.values()]);
    else if (method === "GET" && path === "/_emulator/monitors") sendJson(res, 200, [...assets.monitors.values()]);
    else if (method === "GET" && path === "/_emulator/dropped") sendJson(res, 200, dropped);
    else if (method === "GET" && path === "/_emulator/requests") sendJson(res, 200, requests);
    else if (method === "POST" && path === "/_emulator/reset") {
      reset();
      sendJson(res, 200, { reset: true });
    } else sendJson(res, 404, { errors: ["Not found"] });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? "/", "http://emulator");
    const body = await readBody(req);
    if (url.pathname.startsWith("/_emulator/")) return handleInspection(req, res, url);
    // The pages `dashboard` and `monitors` link to; not API calls, so not in the request log.
    const view = req.method === "GET" ? viewOf(url.pathname, assets.dashboards, assets.monitors) : undefined;
    if (view) return send(res, view);
    const route = routeOf(url.pathname);
    const encoding = header(req, "content-encoding")?.trim().toLowerCase();
    // Keys are never logged: only their absence or rejection shows, through status and error.
    const log: DatadogRequestLog = {
      at,
      method: req.method ?? "GET",
      path: url.pathname,
      status: 0,
      wireBytes: body.length,
      ...(encoding && encoding !== "identity" ? { contentEncoding: encoding } : {}),
      ...(header(req, "user-agent") ? { userAgent: header(req, "user-agent") } : {}),
    };
    if (!route) {
      log.status = 404;
      requests.push(log);
      return sendJson(res, 404, { errors: ["Not found"] });
    }
    const fault = faults.next(route);
    if (fault) log.fault = fault;
    if (fault === "reset") {
      requests.push(log);
      req.socket.destroy();
      return;
    }
    if (fault === "slow") await sleep(slowMs);
    const reply = (fault && faultReply(fault, route)) || handleApi(route, req, url, body, log);
    if (reply.error) log.error = reply.error;
    if (fault === "reset-after-store") {
      requests.push(log); // status stays 0: the client never sees the answer
      req.socket.destroy();
      return;
    }
    log.status = reply.status;
    requests.push(log);
    send(res, reply);
  }

  function reset(): void {
    store.clear();
    dropped.length = 0;
    requests.length = 0;
    faults.clear();
    faults.served.clear();
    assets.clear();
  }

  const listening = await listen(
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (res.headersSent || res.destroyed) return void res.destroy();
        sendJson(res, 500, { errors: [`emulator error: ${(err as Error).message}`] });
      });
    },
    { host: options.host, port: options.port },
  );

  return {
    url: listening.url,
    apiKey: [...apiKeys][0] ?? "",
    appKey: [...appKeys][0] ?? "",
    store,
    dropped,
    requests,
    faults,
    dashboards: assets.dashboards,
    monitors: assets.monitors,
    assetWrites: assets.writes,
    setNow(fn) {
      now = fn;
    },
    enableHistorical(nameOrPrefix) {
      historical.enable(nameOrPrefix, new Date(now()));
    },
    isHistorical: (metric) => historical.enabledAt(normalizeMetricName(metric)) !== undefined,
    reset,
    close: () => listening.close(),
  };
}
