// The Segment emulator's fault kinds, and the malformed-but-200 bodies some of them produce.
// When a fault fires is decided by FaultInjector (../faults.js); what it does is server.ts.
import type { SegmentRoute } from "./routing.js";

export const SEGMENT_FAULTS = [
  "500-json",
  "502-html",
  "503-html",
  "500-empty",
  "reset",
  "slow",
  "429-retry-after",
  "429-ms-before-next",
  "429-reset",
  "401",
  "invalid-json",
  "missing-fields",
  "wrong-types",
  "negative-counts",
  "html-200",
] as const;

export type SegmentFault = (typeof SEGMENT_FAULTS)[number];

/** Faults applied to an otherwise successful reply's body. */
export const BODY_FAULTS: ReadonlySet<SegmentFault> = new Set([
  "invalid-json",
  "missing-fields",
  "wrong-types",
  "negative-counts",
]);

function mapDeep(value: unknown, fn: (leaf: unknown, key: string) => unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => mapDeep(v, fn, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapDeep(v, fn, k)]));
  }
  return fn(value, key);
}

/** Numbers become strings, booleans strings, digit strings (bigint counts) objects. */
export function wrongTypes(route: SegmentRoute, data: unknown): unknown {
  if (route === "workspace") return { workspace: [data] };
  return mapDeep(data, (leaf) => {
    if (typeof leaf === "number" || typeof leaf === "boolean") return String(leaf);
    if (typeof leaf === "string" && /^\d+$/.test(leaf)) return { value: leaf };
    return leaf;
  });
}

const COUNT_METRICS = new Set([
  "successes",
  "successes_on_first_attempt",
  "successes_after_retry",
  "expired",
  "discarded",
  "retried",
]);

/** Count fields negative (never zero): delivery-metric counts, event-volume counts, usage counts. */
export function negativeCounts(route: SegmentRoute, data: unknown): unknown {
  const negate = (n: number) => -n - 1;
  if (route === "delivery-metrics") {
    return negateMetrics(data, negate);
  }
  return mapDeep(data, (leaf, key) => {
    if (typeof leaf === "number" && (key === "total" || key === "count")) return negate(leaf);
    if (typeof leaf === "string" && /^\d+$/.test(leaf) && key !== "sourceId") return `-${BigInt(leaf) + 1n}`;
    return leaf;
  });
}

interface MetricLike {
  metricName: string;
  total: number;
  breakdown?: Array<{ metricName: string; value: number }>;
}

function negateMetrics(data: unknown, negate: (n: number) => number): unknown {
  const copy = structuredClone(data) as { deliveryMetricsSummary?: { metrics?: MetricLike[] } };
  for (const m of copy.deliveryMetricsSummary?.metrics ?? []) {
    if (COUNT_METRICS.has(m.metricName)) m.total = negate(m.total);
    for (const b of m.breakdown ?? []) if (COUNT_METRICS.has(b.metricName)) b.value = negate(b.value);
  }
  return copy;
}
