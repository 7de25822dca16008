// What the dashboard and the monitors share: the ownership marker, titles, the links they may print.
import { DEFAULT_PREFIX } from "../mapping/prefix.js";
import type { EventGroup } from "../segment/events.js";

/** Tag on every managed monitor; dashboards take only `team:` tags, so they carry the marker in the description. */
export const MANAGED_BY = "segment-datadog-exporter";
export const MANAGED_TAG = `managed_by:${MANAGED_BY}`;
export const DESCRIPTION_MARKER = `managed by ${MANAGED_BY}`;
export const DASHBOARD_TITLE = "Segment Event Delivery";
/**
 * Where the README's guide is, named rather than linked: the project has no public web home and the
 * package is not on npm, so any URL here would be a dead link. Users have the README with the tool.
 */
export const README_SECTION = "the README's *Dashboards and monitors* section";

/**
 * The dashboards' sections, in the order a person reads Segment's Event Delivery view (what it is
 * comes first, as a note; the pipeline comes before the details of its failed-delivery step). The Datadog, Grafana and New Relic dashboards all have these, by these titles.
 */
export const SECTIONS = {
  keyMetrics: "Key metrics",
  pipeline: "Pipeline: where events stop",
  errorDetails: "Error details",
  trends: "Delivery trends",
  eventVolume: "Event volume",
  usage: "Usage (month to date)",
  health: "Exporter health",
} as const;

/** `Segment Event Delivery`, or `Segment Event Delivery (<prefix>)` for a non-default prefix (design §5). */
export function dashboardTitle(prefix: string): string {
  return prefix === DEFAULT_PREFIX ? DASHBOARD_TITLE : `${DASHBOARD_TITLE} (${prefix})`;
}

/**
 * Datadog's dashboard list filtered to the managed dashboard's title: a page that exists in every
 * organisation on every site, and finds the dashboard before it is created or after it was re-created
 * under a new id. Relative: offline output knows no site; against Datadog it gets the site's origin.
 */
export function dashboardSearchPath(prefix: string): string {
  // Parentheses too (a non-default prefix puts them in the title): a markdown link ends at ")".
  const query = encodeURIComponent(dashboardTitle(prefix)).replace(/[()]/g, (c) => (c === "(" ? "%28" : "%29"));
  return `/dashboard/lists?q=${query}`;
}

/** The link monitors print to the dashboard: its own URL once known, else the search above. */
export function dashboardLink(options: Pick<AssetOptions, "prefix" | "dashboardUrl">): string {
  return options.dashboardUrl ?? dashboardSearchPath(options.prefix);
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
  /** The success-rate monitor stays silent for a connection with fewer deliveries in its window. */
  minDeliveries: number;
  bucketMs: number;
  delayMs: number;
  /**
   * How long after a bucket ends its points are sent: the first read (`delayMs`, the default) on
   * Datadog; the last read age on New Relic and remote write, which take each bucket once (design §5).
   */
  sendAgeMs?: number | undefined;
  /** Event volume split by event_name / event_type (export's --events-group-by). */
  eventsGroupBy: readonly EventGroup[];
  /** `@handle`s appended to every monitor message. */
  notify: readonly string[];
  /**
   * Against Datadog, the absolute link monitors print: the managed dashboard's URL when it exists,
   * else the site's dashboard search. Unset offline (--dry-run, --out): `dashboardSearchPath`, so the
   * files depend on no organisation.
   */
  dashboardUrl?: string | undefined;
}

/** Rates such as 99.9% parse to 0.9990000000000001; queries and thresholds must print the same short number. */
export function round(n: number, digits = 6): number {
  return Number(n.toFixed(digits));
}
