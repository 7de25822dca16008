// Datadog's age rule (reference §4.5): without Historical Metrics Ingestion a point more than an hour
// old is dropped. Only this folder knows the hour; planning asks the sink (`oldestAcceptedMs`) and the
// configuration asks the backend (`maxAgeMs`).
import { AGE_MARGIN_MS } from "../../plan/limits.js";
import { HOUR } from "../../units.js";

export const DATADOG_MAX_AGE_MS = HOUR;

/** The oldest age a point may have when Datadog takes it, with or without historical ingestion. */
export function datadogMaxAgeMs(historical: boolean): number {
  return historical ? Number.POSITIVE_INFINITY : DATADOG_MAX_AGE_MS;
}

/** Oldest point timestamp Datadog still ingests at `now`, with the plan's age margin. */
export function datadogOldestAccepted(now: number, historical: boolean): number {
  return historical ? Number.NEGATIVE_INFINITY : now - DATADOG_MAX_AGE_MS + AGE_MARGIN_MS;
}

/** The base URL requests go to: the configured URL, or the API host of the site. */
export function datadogHost(target: { apiUrl?: string | undefined; site: string }): string {
  return target.apiUrl ?? `https://api.${target.site}`;
}
