// The five monitors as Prometheus alerting rules over the remote-write series: the file a Prometheus
// `rule_files:` entry (or Mimir's / Grafana Cloud's ruler) loads, accepted by `promtool check rules`.
// Names, windows and thresholds are the Datadog monitors' (monitorSpecs, monitorPlan); the queries
// are rendered from the same neutral expressions as the Grafana dashboard. A bucket's samples are
// stamped at its start and arrive once, at its last read (design §5, Sinks), so every delivery
// expression looks `offset` bucket + send age into the past, where its buckets are complete.
import { Document } from "yaml";
import { sanitizeLabelName } from "../sinks/prometheus/names.js";
import { formatDuration } from "../units.js";
import { type AssetOptions, dashboardTitle, MANAGED_BY, README_SECTION, round } from "./common.js";
import { type MonitorKey, monitorPlan, monitorSpecs } from "./monitors.js";
import { deliveries, div, ofExportRuns, perConnection, series, sum } from "./panels.js";
import { type PromRange, promName, promOffset, promQuery, promSelector } from "./promql.js";
import { seriesRefs } from "./refs.js";

export interface PrometheusRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PrometheusRules {
  groups: Array<{ name: string; rules: PrometheusRule[] }>;
}

/** Alert names (the `alertname` label): stable, whatever the prefix; `metric_prefix` tells deployments apart. */
export const PROMETHEUS_ALERT_NAMES: Readonly<Record<MonitorKey, string>> = {
  "success-rate": "SegmentDeliverySuccessRateBelowMinimum",
  p95: "SegmentDeliveryP95AboveMaximum",
  stopped: "SegmentExporterStopped",
  lag: "SegmentExporterLagging",
  missed: "SegmentExporterBucketsMissed",
};

const CONNECTION_TEXT = "{{ $labels.source_slug }} → {{ $labels.destination }} (workspace {{ $labels.workspace }})";

/** The PromQL of each monitor, from the shared plan. */
export function prometheusExpressions(options: AssetOptions): Record<MonitorKey, string> {
  const s = seriesRefs(options.prefix);
  const e = s.exporter;
  const plan = monitorPlan(options);
  const bucket = formatDuration(options.bucketMs);
  // The newest complete bucket started `arrivalMs` ago: each range ends a millisecond after its start (see PromRange).
  const late = (windowMs: number): PromRange => ({
    range: formatDuration(windowMs),
    offsetMs: plan.arrivalMs - 1,
    variables: false,
  });
  const now = (windowMs: number): PromRange => ({ range: formatDuration(windowMs), offsetMs: 0, variables: false });

  const window = late(plan.deliveryWindowMs);
  const rate = promQuery(perConnection(div(sum(s.successes), deliveries(s))), window);
  const below = `(${rate}) < ${plan.rate}`;
  // No rate alert below --min-deliveries deliveries in the window: `and` keeps only the connections
  // whose total passes the filter (one failure out of one delivery is not a 0 % connection).
  const successRate =
    options.minDeliveries > 1
      ? `${below} and (${promQuery(perConnection(deliveries(s)), window)}) >= ${options.minDeliveries}`
      : below;

  // Sustained p95: each bucket's p95 above the maximum counts once — a subquery stepping one bucket
  // (its steps are multiples of the step, aligned as buckets are), each step reading the bucket that
  // ended at it — and the alert needs half of the window's buckets, as on Datadog.
  const slow = `${promQuery(perConnection(series(s.timeToSuccessP95, "max")), { range: bucket, offsetMs: 1, variables: false })} > ${options.maxP95Ms / 1000}`;
  const p95 = `count_over_time((${slow})[${formatDuration(plan.p95.windowMs)}:${bucket}]${promOffset(plan.arrivalMs - options.bucketMs - 1)}) >= ${plan.p95.slowBuckets}`;

  return {
    "success-rate": successRate,
    p95,
    // Every export run writes heartbeat 1, stamped at run time: none for twice three runs is the alert.
    stopped: `absent_over_time(${promName(e.heartbeat)}${promSelector(ofExportRuns(series(e.heartbeat, "max")), false)}[${formatDuration(plan.stoppedAfterMs)}])`,
    lag: `${promQuery(ofExportRuns(series(e.lag, "max"), ["workspace"]), now(plan.lagWindowMs))} > ${plan.maxLagS}`,
    missed: `${promQuery({ expr: sum(e.bucketsMissed), scope: "none", by: ["workspace"] }, now(plan.missedWindowMs))} > 0`,
  };
}

function descriptions(options: AssetOptions): Record<MonitorKey, string> {
  const plan = monitorPlan(options);
  const late = formatDuration(plan.arrivalMs);
  const dashboard = `the "${dashboardTitle(options.prefix)}" Grafana dashboard`;
  const rate = round(plan.rate * 100, 4);
  return {
    "success-rate": `Segment delivered only {{ $value | humanizePercentage }} of the events for ${CONNECTION_TEXT} in the ${formatDuration(plan.deliveryWindowMs)} ending ${late} ago (minimum ${rate}%): the rest were discarded or expired. Connections with fewer than ${options.minDeliveries} deliveries in the window are not rated. Look at ${dashboard}, Error details, for the reasons; in Segment: Connections → the destination → Event Delivery.`,
    p95: `Events to ${CONNECTION_TEXT} took longer than ${options.maxP95Ms} ms to deliver at p95 in {{ $value }} of ${plan.p95.buckets} buckets (alert from ${plan.p95.slowBuckets}): a sustained slowdown. Look at ${dashboard}: Delivery trends shows time to first attempt (Segment's queue) beside time to success (the destination).`,
    stopped: `No export run has reported for ${formatDuration(plan.stoppedAfterMs)}: the cron job, CronJob or timer of segment-datadog-exporter is not running or cannot reach the remote-write receiver. Check the scheduler's logs for exit codes (2 config, 3 credentials, 6 lock).`,
    lag: `The newest exported bucket of workspace {{ $labels.workspace }} ended {{ $value }} s ago (maximum ${plan.maxLagS} s): runs end before catching up. Look at ${dashboard}, Exporter health: Segment calls by status (429s mean the rate budget is spent; consider --shard) and failed buckets.`,
    missed:
      "Workspace {{ $labels.workspace }} has {{ $value }} buckets that became too old to fetch or to submit before they were exported: those minutes are missing for good. The run logs name the buckets; backfill what Segment still has with `segment-datadog-exporter backfill`.",
  };
}

export function buildPrometheusRules(options: AssetOptions): PrometheusRules {
  const expressions = prometheusExpressions(options);
  const text = descriptions(options);
  // --tag tags first, so the managed labels win a clash.
  const tagLabels = Object.fromEntries(
    options.tags.map((tag) => [sanitizeLabelName(tag.slice(0, tag.indexOf(":"))), tag.slice(tag.indexOf(":") + 1)]),
  );
  return {
    groups: [
      {
        name: dashboardTitle(options.prefix),
        rules: monitorSpecs(options).map((spec) => ({
          alert: PROMETHEUS_ALERT_NAMES[spec.key],
          expr: expressions[spec.key],
          labels: {
            ...tagLabels,
            severity: spec.priority <= 2 ? "critical" : "warning",
            managed_by: MANAGED_BY,
            metric_prefix: options.prefix,
            ...(options.notify.length > 0 ? { notify: options.notify.join(" ") } : {}),
          },
          annotations: {
            summary: spec.name,
            description: text[spec.key],
            runbook: `${README_SECTION} (and \`segment-datadog-exporter monitors --help\`)`,
          },
        })),
      },
    ],
  };
}

/** The rule file's text: YAML with a header saying where it comes from (no date: the same options give the same bytes). */
export function prometheusRulesYaml(rules: PrometheusRules, prefix: string): string {
  const doc = new Document(rules);
  doc.commentBefore = [
    ` ${dashboardTitle(prefix)}: alerting rules over the remote-write series of segment-datadog-exporter`,
    ` (prefix ${prefix}). Written by \`segment-datadog-exporter monitors --sink prometheus --out DIR\`;`,
    " load it with a rule_files: entry and check it with `promtool check rules`.",
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}
