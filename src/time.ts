// Durations (`30s`, `5m`, `1h`, `2d`) and times (ISO 8601, `now`, `-90m`) of design §5. Pure:
// `now` is passed in. Errors name the flag and show an accepted form.
import { UsageError } from "./errors.js";

import { DAY, HOUR, MINUTE, SECOND } from "./units.js";

export { DAY, formatDuration, HOUR, isoSeconds, MINUTE, SECOND } from "./units.js";

const UNIT_MS = { s: SECOND, m: MINUTE, h: HOUR, d: DAY } as const;
const DURATION = /^(\d{1,9})(s|m|h|d)$/;
const RELATIVE = /^-(\d{1,9})(s|m|h|d)$/;
// Date, or date and time with seconds optional, fraction optional, and a mandatory zone.
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

/** `maxMs`: the largest value the setting can hold (a timer's limit, a wait cap); larger is exit 2. */
export function parseDuration(text: string, flag: string, maxMs = Number.MAX_SAFE_INTEGER): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new UsageError(`${flag}: '${text}' is not a duration; write a whole number and a unit, e.g. 30s, 5m, 1h, 2d`);
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms > maxMs) throw new UsageError(`${flag}: '${text}' is too long; use at most ${formatMax(maxMs)}`);
  return ms;
}

/** The largest whole unit not above `ms` (24d for a timer's 24.8 days). */
function formatMax(ms: number): string {
  for (const [unit, size] of [
    ["d", DAY],
    ["h", HOUR],
    ["m", MINUTE],
  ] as const) {
    if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  }
  return `${Math.floor(ms / SECOND)}s`;
}

/** Times outside 1970–9999 are typos (`-999999999d`), not windows anyone can export. */
const LATEST_TIME = Date.UTC(9999, 11, 31);

/** Comma-separated durations, e.g. `15m,45m`; sorted ascending, duplicates removed. */
export function parseDurationList(text: string, flag: string): number[] {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  return [...new Set(parts.map((p) => parseDuration(p, flag)))].sort((a, b) => a - b);
}

export function parseTime(text: string, now: number, flag: string): number {
  const ms = parseAnyTime(text, now, flag);
  if (!(ms >= 0 && ms <= LATEST_TIME)) {
    throw new UsageError(`${flag}: '${text}' is outside 1970–9999; give a time within Segment's retention, e.g. -2d`);
  }
  return ms;
}

function parseAnyTime(text: string, now: number, flag: string): number {
  const value = text.trim();
  if (value.toLowerCase() === "now") return now;
  const relative = RELATIVE.exec(value);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  if (ISO.test(value)) {
    const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
    if (Number.isFinite(ms)) return ms;
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value)) {
    throw new UsageError(`${flag}: '${text}' has no time zone; add Z for UTC, e.g. ${value}Z`);
  }
  throw new UsageError(
    `${flag}: '${text}' is not a time; use ISO 8601 (2026-11-24T06:00:00Z), now, or a time relative to now (-90m, -6h, -2d)`,
  );
}
