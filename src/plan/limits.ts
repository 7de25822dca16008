// The time limits Segment's endpoints impose (reference/segment-public-api.md §4), and the margins
// planning keeps. Pure data and pure helpers. A sink's own age limit is the sink's (src/sinks/).
import { DAY, HOUR, MINUTE } from "../units.js";

export type Granularity = "MINUTE" | "HOUR" | "DAY";

export interface GranularityLimit {
  granularity: Granularity;
  /** Length of one step of this granularity. */
  stepMs: number;
  /** Largest `endTime − startTime` one request may span. */
  maxRangeMs: number;
  /** How far back `startTime` may lie, measured from now. */
  oldestStartMs: number;
}

/** Delivery-metrics summary limits, finest first (documented since Dec 2023). */
export const DELIVERY_METRICS_LIMITS: readonly GranularityLimit[] = [
  { granularity: "MINUTE", stepMs: MINUTE, maxRangeMs: 4 * HOUR, oldestStartMs: 48 * HOUR },
  { granularity: "HOUR", stepMs: HOUR, maxRangeMs: 7 * DAY, oldestStartMs: 7 * DAY },
  { granularity: "DAY", stepMs: DAY, maxRangeMs: 14 * DAY, oldestStartMs: 14 * DAY },
];

/**
 * Delivery Overview limits (reference §3.G), the same for its six steps: its HOUR and DAY ranges
 * reach further back than the summary's, so it has its own table rather than sharing that one.
 */
export const DELIVERY_OVERVIEW_LIMITS: readonly GranularityLimit[] = [
  { granularity: "MINUTE", stepMs: MINUTE, maxRangeMs: 4 * HOUR, oldestStartMs: 48 * HOUR },
  { granularity: "HOUR", stepMs: HOUR, maxRangeMs: 14 * DAY, oldestStartMs: 30 * DAY },
  { granularity: "DAY", stepMs: DAY, maxRangeMs: 30 * DAY, oldestStartMs: 30 * DAY },
];

/**
 * Event-volume limits are not documented anywhere (reference §10, open question 1). We assume the
 * delivery-metrics table: the strictest published one, so a request we plan is never one Segment
 * could reject for its range, at the price of more requests for long backfills.
 */
export const EVENTS_VOLUME_LIMITS: readonly GranularityLimit[] = DELIVERY_METRICS_LIMITS;

/**
 * Safety margin kept from both age limits: a plan is made at `now` but requests and submissions
 * happen later in the run, so a bucket planned right at a limit would cross it in flight.
 */
export const AGE_MARGIN_MS = 5 * MINUTE;

/** How far back a stream with no state starts (design §5: 55 minutes, whatever the sink). */
export const FRESH_START_MS = 55 * MINUTE;

/** Segment retries failed deliveries for up to four hours; after that a bucket's totals are final. */
export const SEGMENT_RETRY_HORIZON_MS = 4 * HOUR;

/** Oldest bucket start Segment still serves for a bucket of `bucketMs`, with the margin kept. */
export function oldestFetchableStart(limits: readonly GranularityLimit[], bucketMs: number, now: number): number {
  const usable = limits.filter((l) => l.maxRangeMs >= bucketMs);
  const widest = Math.max(...usable.map((l) => l.oldestStartMs));
  return now - widest + AGE_MARGIN_MS;
}

/**
 * The finest granularity whose limits allow a request of `[start, start + lengthMs)` at `now`,
 * or undefined when none does (the bucket is out of Segment's reach).
 */
export function granularityFor(
  limits: readonly GranularityLimit[],
  start: number,
  lengthMs: number,
  now: number,
): GranularityLimit | undefined {
  return limits.find((l) => lengthMs <= l.maxRangeMs && start >= now - l.oldestStartMs + AGE_MARGIN_MS);
}

/**
 * Event volume is a time series: its granularity must divide the bucket so that points sum exactly
 * into buckets. The coarsest such granularity the start's age allows means the fewest points to page.
 */
export function eventsGranularityFor(
  limits: readonly GranularityLimit[],
  start: number,
  bucketMs: number,
  now: number,
): GranularityLimit | undefined {
  return [...limits].reverse().find((l) => bucketMs % l.stepMs === 0 && start >= now - l.oldestStartMs + AGE_MARGIN_MS);
}
