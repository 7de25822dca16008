// The Metric API body (reference §1.2): a JSON array of `{common, metrics}` blocks, one block per
// series (its tags become `common.attributes`), each point with its name, type, value, timestamp in
// ms and, for a count, `interval.ms`. Names are the Datadog names (design §5); latency gauges carry
// Segment's value unchanged. Pure; sizes are counted from lengths, never by serialising to measure.
import type { MetricPoint, Tag } from "../../mapping/types.js";
import type { OwnedPoint, SubmissionSize } from "../types.js";

/**
 * A count stamped at run time (the exporter's own counters) has no bucket: New Relic still needs an
 * `interval.ms` for a count, and one second is the resolution of its stamp.
 */
export const RUN_COUNT_INTERVAL_MS = 1000;

/** JSON keys of the body may not be attribute names (reference §1.3): such a point would be dropped. */
export const RESERVED_ATTRIBUTES: ReadonlySet<string> = new Set([
  "interval.ms",
  "timestamp",
  "value",
  "common",
  "min",
  "max",
  "count",
  "sum",
  "metrics",
]);

/** Attribute names take letters, digits, `:`, `.` and `_` (reference §1.3); anything else becomes `_`. */
export function attributeName(key: string): string {
  return key.replace(/[^a-zA-Z0-9:._]/g, "_");
}

export interface NewRelicMetric {
  name: string;
  type: "count" | "gauge";
  value: number;
  /** Unix ms: the bucket start (or the run's time). */
  timestamp: number;
  "interval.ms"?: number;
}

export interface NewRelicBlock {
  common: { attributes: Record<string, string> };
  metrics: NewRelicMetric[];
}

/** Computed once per tags array: the points of one series share one. */
const attributesCache = new WeakMap<
  readonly Tag[],
  { attributes: Record<string, string>; key: string; bytes: number }
>();

function attributesOf(tags: readonly Tag[]) {
  let entry = attributesCache.get(tags);
  if (entry === undefined) {
    const attributes: Record<string, string> = {};
    for (const [key, value] of tags) attributes[attributeName(key)] = value;
    const json = JSON.stringify(attributes);
    entry = { attributes, key: json, bytes: Buffer.byteLength(json) };
    attributesCache.set(tags, entry);
  }
  return entry;
}

export function toMetric(p: MetricPoint): NewRelicMetric {
  const metric: NewRelicMetric = {
    name: p.metric,
    type: p.kind,
    value: p.value,
    timestamp: Math.round(p.timestamp * 1000),
  };
  if (p.kind === "count")
    metric["interval.ms"] = p.intervalS !== undefined ? p.intervalS * 1000 : RUN_COUNT_INTERVAL_MS;
  return metric;
}

const seriesKey = (p: MetricPoint): string => `${p.metric}\u0000${p.kind}\u0000${attributesOf(p.tags).key}`;

/** One block per series, points in time order; each block's owners alongside. */
export function toBlocks(points: readonly OwnedPoint[]): Array<{ block: NewRelicBlock; owners: Set<string> }> {
  const groups = new Map<string, { block: NewRelicBlock; owners: Set<string> }>();
  for (const p of points) {
    const key = seriesKey(p);
    let group = groups.get(key);
    if (!group) {
      group = { block: { common: { attributes: attributesOf(p.tags).attributes }, metrics: [] }, owners: new Set() };
      groups.set(key, group);
    }
    group.block.metrics.push(toMetric(p));
    group.owners.add(p.owner);
  }
  for (const { block } of groups.values()) block.metrics.sort((a, b) => a.timestamp - b.timestamp);
  return [...groups.values()];
}

/** `{"name":…,"type":"count","value":…,"timestamp":…,"interval.ms":…}` of one point, with its comma. */
function pointBytes(p: MetricPoint): number {
  const interval = p.kind === "count" ? 15 + String((p.intervalS ?? 1) * 1000).length : 0;
  return 45 + jsonStringBytes(p.metric) + p.kind.length + String(p.value).length + 13 + interval;
}

const NOT_PLAIN = /[^\x20-\x7e]|["\\]/;
function jsonStringBytes(text: string): number {
  return NOT_PLAIN.test(text) ? Buffer.byteLength(JSON.stringify(text)) : text.length + 2;
}

/**
 * The uncompressed JSON size of a submission as `toBlocks` writes it, counted from lengths as points
 * are added (the batcher fills a submission by it).
 */
export class NewRelicSubmissionSize implements SubmissionSize {
  bytes = 2;
  private readonly series = new Set<string>();

  add(p: MetricPoint): void {
    const key = seriesKey(p);
    if (!this.series.has(key)) {
      this.series.add(key);
      // `{"common":{"attributes":…},"metrics":[]},`
      this.bytes += 40 + attributesOf(p.tags).bytes;
    }
    this.bytes += pointBytes(p);
  }
}
