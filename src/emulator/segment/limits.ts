// Time parameters and the documented granularity limits (reference §4), measured against the
// emulator's data clock. Events volume has no documented limits; the project applies the
// delivery-metrics table to it as well, so the emulator enforces the same one.
import { validationError } from "./errors.js";

export type Granularity = "MINUTE" | "HOUR" | "DAY";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const GRANULARITY_MS: Record<Granularity, number> = { MINUTE: 60_000, HOUR: HOUR_MS, DAY: DAY_MS };

export const RANGE_LIMITS: Record<Granularity, { maxRangeMs: number; oldestStartMs: number }> = {
  MINUTE: { maxRangeMs: 4 * HOUR_MS, oldestStartMs: 48 * HOUR_MS },
  HOUR: { maxRangeMs: 7 * DAY_MS, oldestStartMs: 7 * DAY_MS },
  DAY: { maxRangeMs: 14 * DAY_MS, oldestStartMs: 14 * DAY_MS },
};

/** The Delivery Overview's own, longer limits (reference §3.G), the same for its six steps. */
export const DELIVERY_OVERVIEW_RANGE_LIMITS: typeof RANGE_LIMITS = {
  MINUTE: { maxRangeMs: 4 * HOUR_MS, oldestStartMs: 48 * HOUR_MS },
  HOUR: { maxRangeMs: 14 * DAY_MS, oldestStartMs: 30 * DAY_MS },
  DAY: { maxRangeMs: 30 * DAY_MS, oldestStartMs: 30 * DAY_MS },
};

/** Defaults of the delivery-metrics endpoint when startTime is omitted. */
export const DEFAULT_START_AGO_MS: Record<Granularity, number> = {
  MINUTE: HOUR_MS,
  HOUR: 7 * DAY_MS,
  DAY: 30 * DAY_MS,
};

// Full date-time with seconds and an explicit zone, as in every official example; date-only
// values are rejected (their acceptance by Segment is unknown).
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function parseTime(field: string, value: string | undefined): number {
  if (value === undefined || value === "") throw validationError(field, `${field} is required`);
  const ms = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw validationError(field, `${field} must be an ISO 8601 date-time, got "${value}"`);
  return ms;
}

export function parseGranularity(value: string | undefined): Granularity {
  if (value === undefined || value === "") throw validationError("granularity", "granularity is required");
  if (value === "MINUTE" || value === "HOUR" || value === "DAY") return value;
  throw validationError("granularity", `granularity must be one of DAY, HOUR, MINUTE, got "${value}"`);
}

/** Rejects, in this order: start >= end (endTime), a start older than allowed (startTime), a range over the maximum (endTime). */
export function checkWindow(
  granularity: Granularity,
  startMs: number,
  endMs: number,
  nowMs: number,
  table: typeof RANGE_LIMITS = RANGE_LIMITS,
): void {
  const limit = table[granularity];
  if (startMs >= endMs) throw validationError("endTime", "endTime must be after startTime");
  if (startMs < nowMs - limit.oldestStartMs) {
    throw validationError(
      "startTime",
      `startTime must be within the last ${limit.oldestStartMs / HOUR_MS} hours for granularity ${granularity}`,
    );
  }
  if (endMs - startMs > limit.maxRangeMs) {
    throw validationError(
      "endTime",
      `the range from startTime to endTime exceeds ${limit.maxRangeMs / HOUR_MS} hours for granularity ${granularity}`,
    );
  }
}

/** ISO 8601 without milliseconds, as Segment prints bucket times. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
