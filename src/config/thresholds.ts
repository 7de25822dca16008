// Threshold values of `check`, from flags or the config file: `0.99` or `99%`, durations, counts.
import { UsageError } from "../errors.js";
import { parseDuration } from "../time.js";
import type { Thresholds, WorkspaceThresholds } from "./types.js";
import type { Raw } from "./values.js";

export function parseRate(raw: Raw<string | number>): number {
  const text = String(raw.value).trim();
  const percent = text.endsWith("%");
  const n = Number(percent ? text.slice(0, -1) : text);
  const rate = percent ? n / 100 : n;
  if (text === "" || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new UsageError(
      `${raw.from}: '${raw.value}' is not a success rate; write a fraction or a percentage, e.g. 0.99 or 99%`,
    );
  }
  return rate;
}

export function parseCount(raw: Raw<string | number>): number {
  const n = Number(raw.value);
  if (!/^\d+$/.test(String(raw.value).trim()) || !Number.isSafeInteger(n)) {
    throw new UsageError(`${raw.from}: '${raw.value}' is not a count; write a whole number, e.g. 1`);
  }
  return n;
}

interface ThresholdsEntry {
  minSuccessRate?: string | number | undefined;
  maxP95?: string | undefined;
  minEvents?: number | undefined;
  destinations?:
    | Record<string, { minSuccessRate?: string | number | undefined; maxP95?: string | undefined }>
    | undefined;
}

/** Thresholds written in the config file at `path` (for messages). */
export function resolveThresholds(entry: ThresholdsEntry, path: string): WorkspaceThresholds {
  const one = (e: Omit<ThresholdsEntry, "destinations">, at: string): Thresholds => ({
    minSuccessRate:
      e.minSuccessRate === undefined ? undefined : parseRate({ value: e.minSuccessRate, from: `${at}.minSuccessRate` }),
    maxP95Ms: e.maxP95 === undefined ? undefined : parseDuration(e.maxP95, `${at}.maxP95`),
    minEvents: e.minEvents === undefined ? undefined : parseCount({ value: e.minEvents, from: `${at}.minEvents` }),
  });
  const destinations = entry.destinations
    ? Object.fromEntries(Object.entries(entry.destinations).map(([k, v]) => [k, one(v, `${path}.destinations.${k}`)]))
    : undefined;
  return { ...one(entry, path), destinations };
}
