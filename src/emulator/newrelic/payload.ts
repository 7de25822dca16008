// The Metric API body (reference §1.2): a JSON array of `{common?, metrics: [...]}`; a key on a
// point overrides the same key of `common`. What New Relic checks before its 202 is a 400 here,
// naming the field: structure, types, and `interval.ms` for count and summary (documented as
// required). Pure: the clock comes in for the default timestamp.
import type { AttributeValue, NewRelicMetricType, NewRelicPoint, SummaryValue } from "./types.js";

class PayloadError extends Error {}

const TYPES: readonly NewRelicMetricType[] = ["gauge", "count", "summary"];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function fail(message: string): never {
  throw new PayloadError(message);
}

/** Seconds, microseconds and nanoseconds are accepted and converted to ms, by magnitude. */
export function toMilliseconds(timestamp: number): number {
  if (timestamp < 1e11) return Math.floor(timestamp * 1000);
  if (timestamp < 1e14) return Math.floor(timestamp);
  if (timestamp < 1e17) return Math.floor(timestamp / 1e3);
  return Math.floor(timestamp / 1e6);
}

function timestampOf(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) fail(`${where}.timestamp must be a Unix time`);
  return toMilliseconds(value);
}

function intervalOf(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0)
    fail(`${where}.interval.ms must be a positive integer`);
  return value;
}

function attributesOf(value: unknown, where: string): Record<string, AttributeValue> {
  if (value === undefined) return {};
  if (!isObject(value)) fail(`${where}.attributes must be an object`);
  for (const [key, v] of Object.entries(value)) {
    if (!["string", "number", "boolean"].includes(typeof v))
      fail(`${where}.attributes.${key} must be a string, number or boolean`);
  }
  return value as Record<string, AttributeValue>;
}

function pointValue(type: NewRelicMetricType, value: unknown, where: string): number | SummaryValue {
  if (type !== "summary") {
    if (typeof value !== "number" || !Number.isFinite(value)) fail(`${where}.value must be a number for a ${type}`);
    return value;
  }
  const keys = ["count", "sum", "min", "max"] as const;
  if (!isObject(value) || keys.some((k) => typeof value[k] !== "number"))
    fail(`${where}.value must be {count, sum, min, max} for a summary`);
  return { count: value.count, sum: value.sum, min: value.min, max: value.max } as SummaryValue;
}

interface Common {
  timestampMs?: number;
  intervalMs?: number;
  attributes: Record<string, AttributeValue>;
}

function pointOf(raw: unknown, common: Common, where: string, nowMs: number): NewRelicPoint {
  if (!isObject(raw)) fail(`${where} must be an object`);
  if (typeof raw.name !== "string" || raw.name === "" || raw.name.length >= 255)
    fail(`${where}.name must be a string of 1 to 254 characters`);
  const type = (raw.type ?? "gauge") as NewRelicMetricType;
  if (!TYPES.includes(type)) fail(`${where}.type must be gauge, count or summary`);
  const intervalMs = intervalOf(raw["interval.ms"], where) ?? common.intervalMs;
  if (type !== "gauge" && intervalMs === undefined) fail(`${where}.interval.ms is required for a ${type}`);
  const point: NewRelicPoint = {
    name: raw.name,
    type,
    value: pointValue(type, raw.value, where),
    // Required on a point; `common`'s defaults to the time of receipt.
    timestampMs: timestampOf(raw.timestamp, where) ?? common.timestampMs ?? nowMs,
    attributes: { ...common.attributes, ...attributesOf(raw.attributes, where) },
  };
  if (intervalMs !== undefined) point.intervalMs = intervalMs;
  return point;
}

/** The points of a body, or the first structural error (a 400). */
export function parseMetricPayload(text: string, nowMs: number): { points: NewRelicPoint[] } | { error: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: "body is not valid JSON" };
  }
  try {
    if (!Array.isArray(body)) fail("body must be a JSON array of {common?, metrics}");
    const points: NewRelicPoint[] = [];
    body.forEach((block: unknown, i) => {
      const where = `[${i}]`;
      if (!isObject(block) || !Array.isArray(block.metrics)) fail(`${where}.metrics must be an array`);
      if (block.common !== undefined && !isObject(block.common)) fail(`${where}.common must be an object`);
      const raw: Record<string, unknown> = isObject(block.common) ? block.common : {};
      const common: Common = { attributes: attributesOf(raw.attributes, `${where}.common`) };
      const timestampMs = timestampOf(raw.timestamp, `${where}.common`);
      const intervalMs = intervalOf(raw["interval.ms"], `${where}.common`);
      if (timestampMs !== undefined) common.timestampMs = timestampMs;
      if (intervalMs !== undefined) common.intervalMs = intervalMs;
      block.metrics.forEach((p: unknown, k) => {
        points.push(pointOf(p, common, `${where}.metrics[${k}]`, nowMs));
      });
    });
    return { points };
  } catch (err) {
    if (err instanceof PayloadError) return { error: err.message };
    throw err;
  }
}
