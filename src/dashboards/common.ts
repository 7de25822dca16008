// What the dashboard and the monitors share: the ownership marker, titles, the README link.
import { DEFAULT_PREFIX } from "../mapping/prefix.js";
import type { EventGroup } from "../segment/events.js";

/** Tag on every managed monitor; dashboards take only `team:` tags, so they carry the marker in the description. */
export const MANAGED_BY = "segment-datadog-exporter";
export const MANAGED_TAG = `managed_by:${MANAGED_BY}`;
export const DESCRIPTION_MARKER = `managed by ${MANAGED_BY}`;
export const DASHBOARD_TITLE = "Segment Event Delivery";
/** The project has no web home of its own yet; the npm page shows the same README. */
export const README_URL = "https://www.npmjs.com/package/segment-datadog-exporter";

/** `Segment Event Delivery`, or `Segment Event Delivery (<prefix>)` for a non-default prefix (design §5). */
export function dashboardTitle(prefix: string): string {
  return prefix === DEFAULT_PREFIX ? DASHBOARD_TITLE : `${DASHBOARD_TITLE} (${prefix})`;
}

/** A monitor name, with the same prefix suffix as the dashboard so two deployments never share one. */
export function monitorName(base: string, prefix: string): string {
  return prefix === DEFAULT_PREFIX ? base : `${base} (${prefix})`;
}

/** The thresholds and schedule both definitions are built from (validated by config/). */
export interface AssetOptions {
  prefix: string;
  /** `--tag` tags: every one goes on the monitors; `team:` ones also on the dashboard. */
  tags: readonly string[];
  minSuccessRate: number;
  maxP95Ms: number;
  bucketMs: number;
  delayMs: number;
  /** Event volume split by event_name / event_type (export's --events-group-by). */
  eventsGroupBy: readonly EventGroup[];
  /** `@handle`s appended to every monitor message. */
  notify: readonly string[];
}

/** Rates such as 99.9% parse to 0.9990000000000001; queries and thresholds must print the same short number. */
export function round(n: number, digits = 6): number {
  return Number(n.toFixed(digits));
}
