// The window of a `backfill` (pure): validated against both APIs' limits before any request, and
// planned as one single-stage stream per connection whose watermark makes the backfill resumable.

import { UsageError } from "../errors.js";
import { formatDuration, isoSeconds } from "../units.js";
import { alignDown, alignUp } from "./buckets.js";
import {
  AGE_MARGIN_MS,
  DELIVERY_METRICS_LIMITS,
  EVENTS_VOLUME_LIMITS,
  type GranularityLimit,
  oldestFetchableStart,
} from "./limits.js";
import { type StreamPlan, streamPlan } from "./schedule.js";

export const BACKFILL_STAGE = "backfill";

export interface BackfillWindow {
  /** First bucket start (aligned). */
  start: number;
  /** End of the last complete bucket (aligned). */
  end: number;
}

export interface BackfillRequest {
  from: number;
  to: number;
  now: number;
  bucketMs: number;
  /**
   * Buckets that ended less than this long ago are left out: Segment's numbers have not settled
   * (`--delay`), or, for a sink sent each bucket once, the bucket is younger than its last read age
   * and would stay incomplete for good.
   */
  settleMs: number;
  /** The sink's age window: its name, the oldest age it stores, and how to send older points. */
  sink: { label: string; maxAgeMs: number; advice?: string | undefined };
  eventVolume: boolean;
}

function widest(limits: readonly GranularityLimit[]): GranularityLimit | undefined {
  return [...limits].sort((a, b) => b.oldestStartMs - a.oldestStartMs)[0];
}

export function validateBackfillWindow(req: BackfillRequest): BackfillWindow {
  const { from, to, now, bucketMs } = req;
  if (from > now) throw new UsageError(`--from: ${isoSeconds(from)} is in the future; a backfill covers the past`);
  if (to > now) throw new UsageError(`--to: ${isoSeconds(to)} is in the future; use --to now or an earlier time`);
  if (from >= to) throw new UsageError(`--from ${isoSeconds(from)} must be before --to ${isoSeconds(to)}`);
  const start = alignDown(from, bucketMs);
  const settled = alignDown(now - req.settleMs, bucketMs);
  const end = Math.min(alignDown(to, bucketMs), settled);
  if (end <= start) {
    throw new UsageError(
      end === settled && start < alignDown(to, bucketMs)
        ? `--from/--to: the window holds no ${formatDuration(bucketMs)} bucket that ended ${formatDuration(req.settleMs)} ago or more (Segment's numbers settle first); start earlier or wait`
        : `--from/--to: the window holds no complete ${formatDuration(bucketMs)} bucket; widen it or use a shorter --bucket`,
    );
  }
  const delivery = widest(DELIVERY_METRICS_LIMITS.filter((l) => l.maxRangeMs >= bucketMs));
  const deliveryOldest = oldestFetchableStart(DELIVERY_METRICS_LIMITS, bucketMs, now);
  if (start < deliveryOldest) {
    throw new UsageError(
      `--from: ${isoSeconds(start)} is older than Segment serves delivery metrics (${delivery?.granularity} granularity, ${formatDuration(delivery?.oldestStartMs ?? 0)} back, ${formatDuration(AGE_MARGIN_MS)} margin); the oldest allowed start is ${isoSeconds(alignUpTo(deliveryOldest, bucketMs))}`,
    );
  }
  if (req.eventVolume) {
    const usable = EVENTS_VOLUME_LIMITS.filter((l) => bucketMs % l.stepMs === 0);
    const events = widest(usable);
    const eventsOldest = oldestFetchableStart(usable, 0, now);
    if (start < eventsOldest) {
      throw new UsageError(
        `--from: ${isoSeconds(start)} is older than Segment serves event volume for ${formatDuration(bucketMs)} buckets (${events?.granularity} points, ${formatDuration(events?.oldestStartMs ?? 0)} back); the oldest allowed start is ${isoSeconds(alignUpTo(eventsOldest, bucketMs))}; use --bucket 1h (hourly points reach back 7 days), or --no-event-volume`,
      );
    }
  }
  const { sink } = req;
  const oldestStored = now - sink.maxAgeMs + AGE_MARGIN_MS;
  if (Number.isFinite(sink.maxAgeMs) && start < oldestStored) {
    throw new UsageError(
      `--from: points older than ${formatDuration(sink.maxAgeMs)} are dropped by ${sink.label}; ${sink.advice ? `${sink.advice}, or ` : ""}start at ${isoSeconds(alignUpTo(oldestStored, bucketMs))} or later`,
    );
  }
  return { start, end };
}

function alignUpTo(ms: number, bucketMs: number): number {
  return Math.ceil(ms / bucketMs) * bucketMs;
}

/**
 * Every bucket of the window after `doneUntil` (where an interrupted backfill stopped). Buckets older
 * than `reachStart` (what every part of the stream can still read, and the sink still takes) are
 * counted out of reach, to be reported as missed, never exported as if they were empty.
 */
export function planBackfillStream(
  window: BackfillWindow,
  bucketMs: number,
  doneUntil?: number,
  reachStart = Number.NEGATIVE_INFINITY,
): StreamPlan {
  const start = Math.min(Math.max(doneUntil ?? window.start, window.start), window.end);
  const from = Math.min(Math.max(start, alignUp(reachStart, bucketMs)), window.end);
  return streamPlan(
    [{ key: BACKFILL_STAGE, from, to: window.end, outOfReach: (from - start) / bucketMs, outOfReachFrom: start }],
    bucketMs,
    BACKFILL_STAGE,
  );
}
