// The recommended monitors (design §5) as Datadog's v1 wire JSON, built by pure functions from the
// mapping's series names and the same thresholds as `check`. Each query's threshold is printed from
// the number that goes into options.thresholds.critical, so the two can never disagree (Datadog
// answers 400 when they do).
import { type AssetOptions, dashboardTitle, MANAGED_TAG, monitorName, README_URL, round } from "./common.js";
import type { Json } from "./dashboard.js";
import { seriesNames } from "./series.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One alert per connection; destination_id keeps two same-named destinations of a source apart. */
const CONNECTION = "workspace,source_slug,destination_id,destination";
const CONNECTION_TEXT = "{{source_slug.name}} → {{destination.name}} (workspace {{workspace.name}})";

/** `last_90m`, `last_2h`: Datadog's time-window syntax (reference §5.9). */
export function window(ms: number): string {
  const minutes = Math.ceil(ms / MINUTE);
  return minutes % 60 === 0 ? `last_${minutes / 60}h` : `last_${minutes}m`;
}

interface MonitorSpec {
  key: string;
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
  return `${lines.join("\n")}\n\nRunbook: ${README_URL}#dashboards-and-monitors${notify}`;
}

function lookAt(options: AssetOptions, what: string): string {
  return `Look at the "${dashboardTitle(options.prefix)}" dashboard with source_slug={{source_slug.name}} and destination={{destination.name}}: ${what}`;
}

export function monitorSpecs(options: AssetOptions): MonitorSpec[] {
  const s = seriesNames(options.prefix);
  const e = s.exporter;
  const { bucketMs, delayMs } = options;
  // Delivery points are stamped at the bucket start and arrive bucket + delay later: evaluating
  // earlier would read the newest bucket as missing and the rate as whatever the rest says.
  const evaluationDelayS = Math.round((bucketMs + delayMs) / 1000);
  const deliveryWindow = Math.max(HOUR, 2 * bucketMs);
  const p95Window = Math.max(30 * MINUTE, 3 * bucketMs);
  const stoppedWindow = Math.max(30 * MINUTE, 3 * bucketMs);
  // Steady-state lag is delay + bucket + the cron period (≤ a bucket): three times that, at least 30 minutes.
  const maxLagS = Math.max(1800, Math.round((3 * (bucketMs + delayMs)) / 1000));
  const rate = round(options.minSuccessRate);
  const by = (metric: string) => `sum:${metric}{*} by {${CONNECTION}}.as_count()`;
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
        "Success rate (successes / (successes + discarded + expired)) per connection below --min-success-rate.",
      name: monitorName("Segment delivery: success rate below minimum", options.prefix),
      query: `sum(${window(deliveryWindow)}):${by(s.successes)} / (${by(s.successes)} + ${by(s.discarded)} + ${by(s.expired)}) < ${rate}`,
      priority: 2,
      message: message(options, [
        `{{#is_alert}}Segment delivered only {{value}} of the events for ${CONNECTION_TEXT} (minimum {{threshold}}): the rest were discarded or expired.{{/is_alert}}`,
        `{{#is_recovery}}Segment delivery for ${CONNECTION_TEXT} is back above {{threshold}}.{{/is_recovery}}`,
        "",
        lookAt(options, "*Error details* shows the failures by `reason` tag, *Delivery trends* when it started."),
        "In Segment: Connections → the destination → Event Delivery.",
      ]),
      options: { ...deliveryOptions, thresholds: { critical: rate } },
    },
    {
      key: "p95",
      description: "p95 time to success per connection above --max-p95 for the whole window.",
      name: monitorName("Segment delivery: p95 time to success above maximum", options.prefix),
      // `min` over the window: every bucket's p95 was above the maximum, a sustained slowdown.
      // Percentiles are never summed or averaged; `max` across series of one connection.
      query: `min(${window(p95Window)}):max:${s.timeToSuccessP95}{*} by {${CONNECTION}} > ${options.maxP95Ms}`,
      priority: 3,
      message: message(options, [
        `{{#is_alert}}Events to ${CONNECTION_TEXT} take {{value}} ms to deliver at p95 (maximum {{threshold}} ms).{{/is_alert}}`,
        `{{#is_recovery}}p95 time to success for ${CONNECTION_TEXT} is back under {{threshold}} ms.{{/is_recovery}}`,
        "",
        lookAt(
          options,
          "*Delivery trends* shows time to first attempt (Segment's queue) beside time to success (the destination).",
        ),
      ]),
      options: { ...deliveryOptions, thresholds: { critical: options.maxP95Ms } },
    },
    {
      key: "stopped",
      description: "No export run has sent its heartbeat: the exporter is not running.",
      name: monitorName("Segment exporter: stopped (no heartbeat)", options.prefix),
      // Every export run sends heartbeat 1; the alert is the missing data, hence notify_no_data.
      query: `max(${window(stoppedWindow)}):max:${e.heartbeat}{command:export} < 1`,
      priority: 2,
      message: message(options, [
        `{{#is_no_data}}No export run has reported for ${Math.round(stoppedWindow / MINUTE)} minutes: the cron job, CronJob or timer of segment-datadog-exporter is not running or cannot reach Datadog.{{/is_no_data}}`,
        "{{#is_no_data_recovery}}The exporter reports again.{{/is_no_data_recovery}}",
        "",
        `Check the scheduler's logs for exit codes (2 config, 3 credentials, 6 lock). The "${dashboardTitle(options.prefix)}" dashboard, *Exporter health*, shows when the runs stopped.`,
      ]),
      options: {
        thresholds: { critical: 1 },
        notify_no_data: true,
        no_data_timeframe: Math.round(stoppedWindow / MINUTE),
        require_full_window: false,
        include_tags: true,
        notify_audit: false,
      },
    },
    {
      key: "lag",
      description: "The newest exported bucket is too far behind: runs do not catch up.",
      name: monitorName("Segment exporter: lagging", options.prefix),
      query: `max(last_15m):max:${e.lag}{command:export} by {workspace} > ${maxLagS}`,
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
      query: `sum(last_1h):sum:${e.bucketsMissed}{*} by {workspace}.as_count() > 0`,
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
