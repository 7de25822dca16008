// Validation of series payloads into normalised points. Every rule returns a message naming the
// offending field, because the real intake's 400 texts are not documented (reference §11 #9)
// and a precise message is what a test or a developer needs.
import { normalizeMetricName, normalizeTags } from "./normalize.js";
import type { PointWrite } from "./store.js";
import type { MetricType } from "./types.js";

export interface ParsedPayload {
  series: number;
  points: PointWrite[];
}

type Result = ParsedPayload | { error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** JSON null in an optional field means "absent", as Go-style decoders treat it. */
const present = (v: unknown): boolean => v !== undefined && v !== null;

function readTags(raw: unknown, where: string): string[] | string {
  if (!present(raw)) return [];
  if (!Array.isArray(raw)) return `${where}.tags: must be an array of strings`;
  const bad = raw.findIndex((t) => typeof t !== "string");
  if (bad !== -1) return `${where}.tags[${bad}]: must be a string`;
  return [...(raw as string[])];
}

function readMetric(raw: unknown, where: string): string | { error: string } {
  if (typeof raw !== "string") return { error: `${where}.metric: required string` };
  const name = normalizeMetricName(raw);
  if (name === "") return { error: `${where}.metric: ${JSON.stringify(raw)} is not a valid metric name` };
  return name;
}

function checkValue(value: unknown, where: string): string | undefined {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return `${where}.value: must be a finite number (got ${JSON.stringify(value)})`;
  }
  return undefined;
}

function parseRoot(body: string): unknown[] | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { error: `invalid JSON: ${(err as Error).message}` };
  }
  if (!isObject(json)) return { error: "payload: must be a JSON object" };
  if (!Array.isArray(json.series)) return { error: "series: required array" };
  return json.series;
}

/** v2 `MetricPayload` (§2.1). Host resources become a `host:` tag, as Datadog exposes them. */
export function parseV2Payload(body: string): Result {
  const series = parseRoot(body);
  if (!Array.isArray(series)) return series;
  const points: PointWrite[] = [];
  for (const [i, s] of series.entries()) {
    const where = `series[${i}]`;
    if (!isObject(s)) return { error: `${where}: must be an object` };
    const metric = readMetric(s.metric, where);
    if (typeof metric !== "string") return metric;
    const rawTags = readTags(s.tags, where);
    if (typeof rawTags === "string") return { error: rawTags };
    if (present(s.resources)) {
      if (!Array.isArray(s.resources) || !s.resources.every((r) => isObject(r))) {
        return { error: `${where}.resources: must be an array of {name, type}` };
      }
      for (const r of s.resources) if (r.type === "host" && typeof r.name === "string") rawTags.push(`host:${r.name}`);
    }
    const type = present(s.type) ? s.type : 0;
    if (type !== 0 && type !== 1 && type !== 2 && type !== 3) {
      return { error: `${where}.type: must be 0, 1, 2 or 3 (got ${JSON.stringify(s.type)})` };
    }
    if (present(s.interval) && !(Number.isInteger(s.interval) && (s.interval as number) > 0)) {
      return { error: `${where}.interval: must be a positive integer (got ${JSON.stringify(s.interval)})` };
    }
    if (present(s.unit) && typeof s.unit !== "string") return { error: `${where}.unit: must be a string` };
    if (!Array.isArray(s.points)) return { error: `${where}.points: required array` };
    const tags = normalizeTags(rawTags);
    for (const [j, p] of s.points.entries()) {
      const at = `${where}.points[${j}]`;
      if (!isObject(p)) return { error: `${at}: must be an object` };
      if (!Number.isInteger(p.timestamp)) {
        return { error: `${at}.timestamp: must be an integer (POSIX seconds, got ${JSON.stringify(p.timestamp)})` };
      }
      const bad = checkValue(p.value, at);
      if (bad) return { error: bad };
      points.push({
        metric,
        tags,
        timestamp: p.timestamp as number,
        value: p.value as number,
        type,
        ...(present(s.interval) ? { interval: s.interval as number } : {}),
        ...(present(s.unit) ? { unit: s.unit as string } : {}),
      });
    }
  }
  return { series: series.length, points };
}

const V1_TYPES: Record<string, MetricType> = { "": 0, count: 1, rate: 2, gauge: 3 };

/** v1 `MetricsPayload` (§2.3): points are `[ts, value]`, type is a string (default gauge). */
export function parseV1Payload(body: string): Result {
  const series = parseRoot(body);
  if (!Array.isArray(series)) return series;
  const points: PointWrite[] = [];
  for (const [i, s] of series.entries()) {
    const where = `series[${i}]`;
    if (!isObject(s)) return { error: `${where}: must be an object` };
    const metric = readMetric(s.metric, where);
    if (typeof metric !== "string") return metric;
    const rawTags = readTags(s.tags, where);
    if (typeof rawTags === "string") return { error: rawTags };
    if (present(s.host)) {
      if (typeof s.host !== "string") return { error: `${where}.host: must be a string` };
      rawTags.push(`host:${s.host}`);
    }
    const type = present(s.type) ? V1_TYPES[String(s.type)] : 3;
    if (type === undefined || (present(s.type) && typeof s.type !== "string")) {
      return { error: `${where}.type: must be "", "count", "rate" or "gauge"` };
    }
    if (present(s.interval) && !(Number.isInteger(s.interval) && (s.interval as number) > 0)) {
      return { error: `${where}.interval: must be a positive integer` };
    }
    if (!Array.isArray(s.points)) return { error: `${where}.points: required array` };
    const tags = normalizeTags(rawTags);
    for (const [j, p] of s.points.entries()) {
      const at = `${where}.points[${j}]`;
      if (!Array.isArray(p) || p.length !== 2) return { error: `${at}: must be [timestamp, value]` };
      const [ts, value] = p as [unknown, unknown];
      if (typeof ts !== "number" || !Number.isFinite(ts)) return { error: `${at}[0]: timestamp must be a number` };
      const bad = checkValue(value, at);
      if (bad) return { error: bad };
      // v1 timestamps are doubles; the point lands on the whole second.
      points.push({
        metric,
        tags,
        timestamp: Math.floor(ts),
        value: value as number,
        type,
        ...(present(s.interval) ? { interval: s.interval as number } : {}),
      });
    }
  }
  return { series: series.length, points };
}
