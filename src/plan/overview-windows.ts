// Request windows for Delivery Overview time series (design §5, Error details). A run needs the
// series of some buckets of a connection: its first reads plus the re-read stages, often not
// contiguous. Each Delivery Overview answer is a time series, so one request covers many buckets;
// this plans as few requests as the range limits (reference §3.G) allow, never one per bucket.
import { AGE_MARGIN_MS, DELIVERY_OVERVIEW_LIMITS, type Granularity, type GranularityLimit } from "./limits.js";

export interface OverviewWindow {
  /** Inclusive start, ms; the start of the window's first bucket. */
  start: number;
  /** Exclusive end, ms; the end of the window's last bucket. */
  end: number;
  granularity: Granularity;
  /** The needed bucket starts this window covers, ascending. */
  buckets: number[];
}

export interface OverviewPlan {
  windows: OverviewWindow[];
  /** Buckets no granularity can serve: too old, or no granularity step divides the bucket. */
  unreachable: number[];
}

/**
 * The gap rule. Unneeded points inside a window cost bytes, a separate request costs one unit of the
 * token's shared rate budget, which is the scarce resource (design §6). So needed buckets are merged
 * whenever the limits allow, unless the unneeded stretch between two of them is longer than half the
 * granularity's maximum range: then most of the merged window would be thrown away, and the run's
 * re-read stages (minutes to hours apart) still share one request in the usual schedules.
 */
export function maxGapMs(limit: GranularityLimit): number {
  return limit.maxRangeMs / 2;
}

/**
 * The finest granularity that can serve bucket `[start, start + bucketMs)` at `now`: its step divides
 * the bucket (so points sum exactly into buckets), one request may span a bucket, and the start is
 * not older than allowed (with the plan's age margin, as for the summary).
 */
export function overviewGranularityFor(
  start: number,
  bucketMs: number,
  now: number,
  limits: readonly GranularityLimit[] = DELIVERY_OVERVIEW_LIMITS,
): GranularityLimit | undefined {
  return limits.find(
    (l) => bucketMs % l.stepMs === 0 && bucketMs <= l.maxRangeMs && start >= now - l.oldestStartMs + AGE_MARGIN_MS,
  );
}

export function planOverviewWindows(
  bucketStarts: Iterable<number>,
  bucketMs: number,
  now: number,
  limits: readonly GranularityLimit[] = DELIVERY_OVERVIEW_LIMITS,
): OverviewPlan {
  if (!(bucketMs > 0)) throw new Error("bucketMs must be positive");
  const sorted = [...new Set(bucketStarts)].sort((a, b) => a - b);
  const windows: OverviewWindow[] = [];
  const unreachable: number[] = [];
  let current: (OverviewWindow & { limit: GranularityLimit }) | undefined;
  for (const start of sorted) {
    const limit = overviewGranularityFor(start, bucketMs, now, limits);
    if (!limit) {
      unreachable.push(start);
      continue;
    }
    const end = start + bucketMs;
    // Buckets arrive oldest first, so the window's start is its oldest point: if the window's first
    // bucket passed the oldest-start check, every later one does too.
    const fits =
      current !== undefined &&
      current.limit === limit &&
      end - current.start <= limit.maxRangeMs &&
      start - current.end <= maxGapMs(limit);
    if (current && fits) {
      current.end = end;
      current.buckets.push(start);
      continue;
    }
    if (current) windows.push(strip(current));
    current = { start, end, granularity: limit.granularity, buckets: [start], limit };
  }
  if (current) windows.push(strip(current));
  return { windows, unreachable };
}

function strip(w: OverviewWindow & { limit: GranularityLimit }): OverviewWindow {
  return { start: w.start, end: w.end, granularity: w.granularity, buckets: w.buckets };
}

/** The oldest bucket start Delivery Overview serves for buckets of `bucketMs` at `now` (+∞: none). */
export function oldestOverviewStart(
  bucketMs: number,
  now: number,
  limits: readonly GranularityLimit[] = DELIVERY_OVERVIEW_LIMITS,
): number {
  const usable = limits.filter((l) => bucketMs % l.stepMs === 0 && bucketMs <= l.maxRangeMs);
  if (usable.length === 0) return Number.POSITIVE_INFINITY;
  return now - Math.max(...usable.map((l) => l.oldestStartMs)) + AGE_MARGIN_MS;
}
