// Delivery Overview series → count points per bucket (design §5): `failed-delivery` grouped by
// `discardReason` → `<p>.delivery.failed{reason}` (Error details), and the pipeline steps
// (`<p>.pipeline.*`, The pipeline) the same way. Series names live here and in pipeline.ts so
// dashboards and monitors query what the mapping sends.
import { describeReason } from "../reasons/catalog.js";
import { reasonTag } from "../reasons/tag.js";
import { isoSeconds } from "../units.js";
import { seriesName } from "./prefix.js";
import type { MetricPoint, Tag } from "./types.js";

/** Suffix of the failures-by-reason count series; the full name is `<prefix>.delivery.failed`. */
export const FAILED_SERIES_SUFFIX = "delivery.failed";

/** The normalisation lives with the reason catalog, for every step with reasons; re-exported here. */
export { REASON_MAX_LENGTH, reasonTag } from "../reasons/tag.js";

/** One dataset entry of the answer, as much of it as the mapping reads. */
export interface FailureEntry {
  discardReason?: string | null | undefined;
  series: ReadonlyArray<{ time: string; count: number }>;
}

export interface FailureBucketsContext {
  prefix: string;
  bucketMs: number;
  /** Bucket starts (ms) to emit; series points outside them are not this run's to send. */
  buckets: readonly number[];
  /** The entity's tags (the six delivery tags, or a source's three, plus --tag tags); `reason` is appended. */
  tags: readonly Tag[];
  /** The series, without the prefix (default `delivery.failed`). */
  suffix?: string;
  /**
   * Split by reason (a `reason` tag per point, zero sums not sent), or one total per bucket (`received`:
   * every asked bucket gets a point, zero included, so "nothing received" is a 0, not a gap).
   */
  byReason?: boolean;
}

/**
 * Per bucket `[start, start + B)`, one count point per reason tag: the sum of the counts of every
 * series point whose time lies in the bucket, over every entry normalised to that tag. Zero sums are
 * not sent: failures only grow as Segment retries, so a zero never has to overwrite an earlier point,
 * and a point per reason seen anywhere in the window would just be noise.
 */
export function mapFailures(dataset: readonly FailureEntry[], ctx: FailureBucketsContext): MetricPoint[] {
  const byReason = ctx.byReason ?? true;
  const metric = seriesName(ctx.prefix, ctx.suffix ?? FAILED_SERIES_SUFFIX);
  const starts = [...new Set(ctx.buckets)].sort((a, b) => a - b);
  const sums = new Map<number, Map<string, number>>();
  for (const entry of dataset) {
    const reason = byReason ? reasonTag(entry.discardReason) : "";
    for (const point of entry.series) {
      const bucket = bucketOf(starts, ctx.bucketMs, Date.parse(point.time));
      if (bucket === undefined) continue;
      let counts = sums.get(bucket);
      if (!counts) {
        counts = new Map();
        sums.set(bucket, counts);
      }
      counts.set(reason, (counts.get(reason) ?? 0) + point.count);
    }
  }
  const points: MetricPoint[] = [];
  // One tags array per reason, shared by its points (the sink packs series by tags array).
  const tagsOf = new Map<string, readonly Tag[]>();
  const tagsFor = (reason: string) => {
    if (!byReason) return ctx.tags;
    let tags = tagsOf.get(reason);
    if (!tags) {
      tags = [...ctx.tags, ["reason", reason]];
      tagsOf.set(reason, tags);
    }
    return tags;
  };
  for (const start of starts) {
    const counts = sums.get(start) ?? new Map<string, number>(byReason ? [] : [["", 0]]);
    for (const reason of [...counts.keys()].sort()) {
      const value = counts.get(reason) ?? 0;
      if (value === 0 && byReason) continue;
      points.push({
        metric,
        kind: "count",
        timestamp: start / 1000,
        value,
        intervalS: ctx.bucketMs / 1000,
        tags: tagsFor(reason),
      });
    }
  }
  return points;
}

/** The bucket of `starts` (ascending) holding `t`, by binary search. */
function bucketOf(starts: readonly number[], bucketMs: number, t: number): number | undefined {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = starts[mid] as number;
    if (t < start) hi = mid - 1;
    else if (t >= start + bucketMs) lo = mid + 1;
    else return start;
  }
  return undefined;
}

export interface ReasonSummary {
  reason: string;
  count: number;
  /** What the code means (the reason catalog), or null for a code the catalog does not know. */
  description: string | null;
  /** Start of the newest series step with a count, ISO 8601. */
  lastSeen: string;
}

/**
 * The reasons of one window for `check` (design §5): summed under the same tag values Datadog
 * shows, so the table and the dashboard agree; count descending, ties by reason.
 */
export function summariseFailures(dataset: readonly FailureEntry[]): ReasonSummary[] {
  const byReason = new Map<string, { count: number; last: number }>();
  for (const entry of dataset) {
    const reason = reasonTag(entry.discardReason);
    const acc = byReason.get(reason) ?? { count: 0, last: Number.NEGATIVE_INFINITY };
    for (const point of entry.series) {
      if (point.count <= 0) continue;
      acc.count += point.count;
      acc.last = Math.max(acc.last, Date.parse(point.time));
    }
    byReason.set(reason, acc);
  }
  return [...byReason.entries()]
    .filter(([, v]) => v.count > 0)
    .map(([reason, v]) => ({
      reason,
      count: v.count,
      description: describeReason(reason)?.description ?? null,
      lastSeen: isoSeconds(v.last),
    }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}
