// /api/v2/metrics/historical-metrics-configurations[/{metric_name}] (§4.6), after both keys were
// checked. Bodies follow the client's models so that v2.MetricsApi deserializes them cleanly.
import type { HistoricalConfig } from "./historical.js";
import { normalizeMetricName } from "./normalize.js";
import { apiError, jsonApiError, type Reply } from "./replies.js";

export const HISTORICAL_PATH = "/api/v2/metrics/historical-metrics-configurations";
const TYPE = "historical_metrics_configurations";

function resource(name: string, createdAt: Date): unknown {
  return { data: { id: name, type: TYPE, attributes: { created_at: createdAt.toISOString() } } };
}

function create(body: Buffer, config: HistoricalConfig, now: Date): Reply {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return jsonApiError(400, "Bad Request", "invalid JSON");
  }
  const data = (json as { data?: { id?: unknown; type?: unknown } } | null)?.data;
  if (typeof data?.id !== "string" || data.id === "" || data.type !== TYPE) {
    return jsonApiError(400, "Bad Request", `body must be {"data":{"id":"<metric name>","type":"${TYPE}"}}`);
  }
  const name = normalizeMetricName(data.id);
  // Idempotent: 200 when already enabled (also through a prefix), 201 when created.
  const existing = config.enabledAt(name);
  if (existing) return { status: 200, json: resource(name, existing) };
  config.enable(name, now);
  return { status: 201, json: resource(name, now) };
}

export function handleHistorical(
  method: string,
  path: string,
  body: Buffer,
  config: HistoricalConfig,
  now: Date,
): Reply {
  if (path === HISTORICAL_PATH)
    return method === "POST" ? create(body, config, now) : apiError(405, "Method not allowed");
  let name: string;
  try {
    name = normalizeMetricName(decodeURIComponent(path.slice(HISTORICAL_PATH.length + 1)));
  } catch {
    return jsonApiError(400, "Bad Request", "malformed metric name in the path");
  }
  if (method === "GET") {
    const at = config.enabledAt(name);
    return at
      ? { status: 200, json: resource(name, at) }
      : jsonApiError(404, "Not Found", `historical metrics ingestion is not enabled for ${name}`);
  }
  if (method === "DELETE") {
    config.disable(name); // always 204, enabled or not
    return { status: 204 };
  }
  return apiError(405, "Method not allowed");
}
