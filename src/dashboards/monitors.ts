// The recommended monitors (design §5) as Datadog's v1 wire JSON, built by pure functions from the
// mapping's series names and the same thresholds as `check`. Each query's threshold is printed from
// the number that goes into options.thresholds.critical, so the two can never disagree (Datadog
// answers 400 when they do). Messages link only to what exists: the managed dashboard (its URL, or
// Datadog's dashboard search for its title) and, by name, the README section.
import {
  type AssetOptions,
  dashboardLink,
  dashboardTitle,
  MANAGED_TAG,
  monitorName,
  README_SECTION,
  round,
} from "./common.js";
import type { Json } from "./dashboard.js";
import { seriesNames } from "./series.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One alert per connection; destination_id keeps two same-named destinations of a source apart. */
export const MONITOR_CONNECTION = ["workspace", "source_slug", "destination_id", "destination"] as const;
const CONNECTION = MONITOR_CONNECTION.join(",");
const CONNECTION_TEXT = "{{source_slug.name}} → {{destination.name}} (workspace {{workspace.name}})";

/** `last_90m`, `last_2h`: Datadog's time-window syntax (reference §5.9). */
export function window(ms: number): string {
  const minutes = Math.ceil(ms / MINUTE);
  return minutes % 60 === 0 ? `last_${minutes / 60}h` : `last_${minutes}m`;
}

/** The five monitors, by key; every backend defines each of them. */
export type MonitorKey = "success-rate" | "p95" | "stopped" | "lag" | "missed";

export interface MonitorSpec {
  key: MonitorKey;
  name: string;
  /** One sentence for the integration asset template (--out). */
  description: string;
  query: string;
  message: string;
  priority: number;
  options: Json;
}

function message(options: AssetOptions, lines: string[]): string {
  const notify = options.notify.length > 0 ? `\n\n${options.notify.join(" ")}` : "";
  const links = [
    `Dashboard: [${dashboardTitle(options.prefix)}](${dashboardLink(options)})`,
    `Runbook: ${README_SECTION} (and \`segment-datadog-exporter monitors --help\`).`,
  ];
  return `${lines.join("\n")}\n\n${links.join("\n")}${notify}`;
}

function lookAt(options: AssetOptions, what: string): string {
  return `Look at the "${dashboardTitle(options.prefix)}" dashboard (linked below) with source_slug={{source_slug.name}} and destination={{destination.name}}: ${what}`;
}

/**
 * successes / (successes + discarded + expired) per connection, or 1 (never below a minimum) while
 * the connection had fewer than `minDeliveries` deliveries in the window: Datadog's own pattern for a
 * minimum request count (guide "Add a Minimum Request Threshold for Error Rate Alerts"), where
 * `is_greater(total, N - 1)` is 1 from N deliveries on (counts are whole numbers) and 0 below. The
 * failed share is multiplied by it, so a quiet connection reads as 100 % instead of 0 % for one
 * failure out of one. With `.as_count()` Datadog sums each count over the window before the
 * arithmetic, so the gate sees the window's total, not one bucket's.
 */
export function successRateQuery(
  series: { successes: string; discarded: string; expired: string },
  windowText: string,
  minDeliveries: number,
  rate: number,
): string {
  const by = (metric: string) => `sum:${metric}{*} by {${CONNECTION}}.as_count()`;
  const total = `${by(series.successes)} + ${by(series.discarded)} + ${by(series.expired)}`;
  if (minDeliveries <= 1) return `sum(${windowText}):${by(series.successes)} / (${total}) < ${rate}`;
  const failed = `${by(series.discarded)} + ${by(series.expired)}`;
  return `sum(${windowText}):1 - (${failed}) / (${total}) * is_greater(${total}, ${minDeliveries - 1}) < ${rate}`;
}

/**
 * "Sustained" for p95 is counted in buckets: the window holds at least 6 buckets (30 minutes with
 * the default 5m) and the monitor alerts when at least half of them, and at least 3, had a p95 above
 * the maximum. `min(window)` alone cannot say that: over a connection with traffic in one bucket it
 * is that bucket's value, so one slow bucket alerted. Each bucket's gauge becomes 1 (slow) or 0 with
 * `is_greater`, one point per bucket (rollup of a bucket, epoch-aligned as the buckets are), and
 * `sum` over the window counts the slow ones. Percentiles stay un-summed: only the 0/1 flags are.
 */
export function p95Rule(bucketMs: number): { windowMs: number; buckets: number; slowBuckets: number } {
  const buckets = Math.max(6, Math.ceil((30 * MINUTE) / bucketMs));
  return { windowMs: buckets * bucketMs, buckets, slowBuckets: Math.max(3, Math.ceil(buckets / 2)) };
}

/** The windows and thresholds of the five monitors: one plan for Datadog, Prometheus and New Relic. */
export interface MonitorPlan {
  /**
   * How long after a bucket starts its points have arrived: the bucket, then the age it is sent at.
   * Evaluating earlier would read the newest bucket as missing and the rate as whatever the rest says.
   */
  arrivalMs: number;
  /** The success rate's window: an hour, or two buckets when longer. */
  deliveryWindowMs: number;
  p95: ReturnType<typeof p95Rule>;
  /** The heartbeat's window (three runs); no heartbeat for `stoppedAfterMs` (twice that) alerts. */
  stoppedWindowMs: number;
  stoppedAfterMs: number;
  lagWindowMs: number;
  maxLagS: number;
  missedWindowMs: number;
  /** --min-success-rate, printed short. */
  rate: number;
}

export function monitorPlan(options: AssetOptions): MonitorPlan {
  const { bucketMs } = options;
  const sendAgeMs = options.sendAgeMs ?? options.delayMs;
  // A run every bucket (the cron period); the window holds three. Datadog advises a no-data
  // timeframe of at least twice the window, and no data is this monitor's alert: 30 minutes by default.
  const stoppedWindowMs = Math.max(15 * MINUTE, 3 * bucketMs);
  return {
    arrivalMs: bucketMs + sendAgeMs,
    deliveryWindowMs: Math.max(HOUR, 2 * bucketMs),
    p95: p95Rule(bucketMs),
    stoppedWindowMs,
    stoppedAfterMs: 2 * stoppedWindowMs,
    lagWindowMs: 15 * MINUTE,
    // Steady-state lag is the send age + bucket + the cron period (≤ a bucket): three times that, at least 30 minutes.
    maxLagS: Math.max(1800, Math.round((3 * (bucketMs + sendAgeMs)) / 1000)),
    missedWindowMs: HOUR,
    rate: round(options.minSuccessRate),
  };
}

export function monitorSpecs(options: AssetOptions): MonitorSpec[] {
  const s = seriesNames(options.prefix);
  const e = s.exporter;
  const { bucketMs } = options;
  const plan = monitorPlan(options);
  const evaluationDelayS = Math.round(plan.arrivalMs / 1000);
  const deliveryWindow = plan.deliveryWindowMs;
  const p95 = plan.p95;
  const stoppedWindow = plan.stoppedWindowMs;
  const stoppedAfterMinutes = Math.round(plan.stoppedAfterMs / MINUTE);
  const { maxLagS, rate } = plan;
  const deliveryOptions = {
    evaluation_delay: evaluationDelayS,
    // A connection without traffic has no rate: silence is not a delivery failure.
    notify_no_data: false,
    require_full_window: false,
    new_group_delay: evaluationDelayS,
    include_tags: true,
    notify_audit: false,
  };
  return [
    {
      key: "success-rate",
      description:
        "Success rate (successes / (successes + discarded + expired)) per connection below --min-success-rate, for connections with at least --min-deliveries deliveries in the window.",
      name: monitorName("Segment delivery: success rate below minimum", options.prefix),
      query: successRateQuery(s, window(deliveryWindow), options.minDeliveries, rate),
      priority: 2,
      message: message(options, [
        `{{#is_alert}}Segment delivered only {{value}} of the events for ${CONNECTION_TEXT} (minimum {{threshold}}): the rest were discarded or expired.{{/is_alert}}`,
        `{{#is_recovery}}Segment delivery for ${CONNECTION_TEXT} is back above {{threshold}}.{{/is_recovery}}`,
        "",
        lookAt(options, "*Error details* shows the failures by `reason` tag, *Delivery trends* when it started."),
        "In Segment: Connections → the destination → Event Delivery.",
        ...(options.minDeliveries > 1
          ? [
              `Connections with fewer than ${options.minDeliveries} deliveries in ${window(deliveryWindow).replace("last_", "")} are not rated (--min-deliveries).`,
            ]
          : []),
      ]),
      options: { ...deliveryOptions, thresholds: { critical: rate } },
    },
    {
      key: "p95",
      description: `p95 time to success per connection above --max-p95 in at least half of the window's buckets (${p95.slowBuckets} of ${p95.buckets}): sustained, not one slow bucket.`,
      name: monitorName("Segment delivery: p95 time to success above maximum", options.prefix),
      // Counts slow buckets (see p95Rule); `max` across the series of one connection.
      query: `sum(${window(p95.windowMs)}):is_greater(max:${s.timeToSuccessP95}{*} by {${CONNECTION}}.rollup(max, ${Math.round(bucketMs / 1000)}), ${options.maxP95Ms}) >= ${p95.slowBuckets}`,
      priority: 3,
      message: message(options, [
        `{{#is_alert}}Events to ${CONNECTION_TEXT} took longer than ${options.maxP95Ms} ms to deliver at p95 in {{value}} of the last ${p95.buckets} buckets (alert from {{threshold}}): a sustained slowdown.{{/is_alert}}`,
        `{{#is_recovery}}p95 time to success for ${CONNECTION_TEXT} is above ${options.maxP95Ms} ms in fewer than {{threshold}} of the last ${p95.buckets} buckets.{{/is_recovery}}`,
        "",
        lookAt(
          options,
          "*Delivery trends* shows time to first attempt (Segment's queue) beside time to success (the destination).",
        ),
      ]),
      options: { ...deliveryOptions, thresholds: { critical: p95.slowBuckets } },
    },
    {
      key: "stopped",
      description: "No export run has sent its heartbeat: the exporter is not running.",
      name: monitorName("Segment exporter: stopped (no heartbeat)", options.prefix),
      // Every export run sends heartbeat 1; the alert is the missing data, hence notify_no_data.
      query: `max(${window(stoppedWindow)}):max:${e.heartbeat}{command:export} < 1`,
      priority: 2,
      message: message(options, [
        `{{#is_no_data}}No export run has reported for ${stoppedAfterMinutes} minutes: the cron job, CronJob or timer of segment-datadog-exporter is not running or cannot reach Datadog.{{/is_no_data}}`,
        "{{#is_no_data_recovery}}The exporter reports again.{{/is_no_data_recovery}}",
        "",
        `Check the scheduler's logs for exit codes (2 config, 3 credentials, 6 lock). The "${dashboardTitle(options.prefix)}" dashboard, *Exporter health*, shows when the runs stopped.`,
      ]),
      options: {
        thresholds: { critical: 1 },
        notify_no_data: true,
        no_data_timeframe: stoppedAfterMinutes,
        require_full_window: false,
        include_tags: true,
        notify_audit: false,
      },
    },
    {
      key: "lag",
      description: "The newest exported bucket is too far behind: runs do not catch up.",
      name: monitorName("Segment exporter: lagging", options.prefix),
      query: `max(${window(plan.lagWindowMs)}):max:${e.lag}{command:export} by {workspace} > ${maxLagS}`,
      priority: 3,
      message: message(options, [
        `{{#is_alert}}The newest exported bucket of workspace {{workspace.name}} ended {{value}} s ago (maximum {{threshold}} s): runs end before catching up.{{/is_alert}}`,
        "{{#is_recovery}}The exporter has caught up with workspace {{workspace.name}}.{{/is_recovery}}",
        "",
        `Look at *Exporter health* on the "${dashboardTitle(options.prefix)}" dashboard: Segment calls by status (429s mean the rate budget is spent; consider --shard) and failed buckets.`,
      ]),
      options: {
        thresholds: { critical: maxLagS },
        notify_no_data: false,
        require_full_window: false,
        include_tags: true,
        notify_audit: false,
      },
    },
    {
      key: "missed",
      description: "Buckets became too old to export: data lost for good.",
      name: monitorName("Segment exporter: buckets missed (data lost)", options.prefix),
      query: `sum(${window(plan.missedWindowMs)}):sum:${e.bucketsMissed}{*} by {workspace}.as_count() > 0`,
      priority: 2,
      message: message(options, [
        "{{#is_alert}}Workspace {{workspace.name}} has {{value}} buckets that became too old to fetch or to submit before they were exported: those minutes are missing in Datadog for good.{{/is_alert}}",
        "{{#is_recovery}}No more buckets missed for workspace {{workspace.name}}.{{/is_recovery}}",
        "",
        "The exporter was stopped or failing for longer than Segment or Datadog keep the data; the run logs name the buckets. Backfill what Segment still has with `segment-datadog-exporter backfill`.",
      ]),
      options: {
        thresholds: { critical: 0 },
        notify_no_data: false,
        require_full_window: false,
        include_tags: true,
        notify_audit: false,
      },
    },
  ];
}

/** The monitor bodies (v1 wire field names), in a stable order. */
export function buildMonitors(options: AssetOptions): Json[] {
  const tags = [MANAGED_TAG, `metric_prefix:${options.prefix}`, ...options.tags];
  return monitorSpecs(options).map((spec) => ({
    name: spec.name,
    type: "query alert",
    query: spec.query,
    message: spec.message,
    tags,
    priority: spec.priority,
    options: spec.options,
  }));
}
