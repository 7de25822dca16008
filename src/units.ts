// Time units and their formatting: the leaf that plan/, mapping/ and config/ all build on.

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** `300000` → `5m`; the largest unit that divides exactly, so messages echo what users typed. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", DAY],
    ["h", HOUR],
    ["m", MINUTE],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms % SECOND === 0 ? `${ms / SECOND}s` : `${ms}ms`;
}

/** ISO 8601 without milliseconds, the form Segment's own examples use. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
