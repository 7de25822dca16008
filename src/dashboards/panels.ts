// The Segment Event Delivery dashboard for the other tools, described once: sections, panels and
// queries as expressions over the exporter's series, in no query language. grafana.ts renders it to
// PromQL over the remote-write names, newrelic-dashboard.ts to NRQL over the Metric API names, so the
// two cannot drift apart; the sections and their titles are the Datadog dashboard's (SECTIONS).
import type { EventGroup } from "../segment/events.js";
import { type AssetOptions, round, SECTIONS } from "./common.js";
import { reasonNote } from "./dashboard.js";
import { MONITOR_CONNECTION } from "./monitors.js";
import { type PipelineStep, pipelineSteps, topReasonsTitle } from "./pipeline-steps.js";
import type { SeriesRef, SeriesRefs } from "./refs.js";

/**
 * How one series is combined, over time and across series alike. Counts are summed; a latency or a
 * month-to-date gauge takes `max` (or `avg` for Segment's averages), never `sum`; `count` counts points.
 */
export type Agg = "sum" | "max" | "avg" | "count";

export type Expr =
  | { kind: "series"; series: SeriesRef; agg: Agg }
  | { kind: "num"; value: number }
  | { kind: "op"; op: "+" | "-" | "*" | "/"; left: Expr; right: Expr };

/** Which template variables filter a query: the tags its series carry (design §5, Tags). */
export type Scope = "delivery" | "source" | "workspace" | "none";

export const SCOPE_VARIABLES: Readonly<Record<Scope, readonly string[]>> = {
  delivery: ["workspace", "source_slug", "destination", "destination_type"],
  source: ["workspace", "source_slug"],
  workspace: ["workspace"],
  none: [],
};

export interface Query {
  expr: Expr;
  scope: Scope;
  /** Tag keys the result is split by (a facet, a `by`); empty: one number or line. */
  by: readonly string[];
  /** Fixed tag filters beside the variables, e.g. `command = export`. */
  where?: Readonly<Record<string, string>>;
  /** The line's or column's name. */
  legend?: string;
}

/**
 * stat: one number over the time frame; bars / lines: one point per interval (per bucket at most);
 * toplist / table: totals over the time frame, largest first; note: markdown text; alerts: the managed alerts.
 */
export type PanelKind = "stat" | "bars" | "lines" | "toplist" | "table" | "note" | "alerts";

/** What the numbers are: latency values are milliseconds in the thresholds below, whatever a backend shows. */
export type PanelUnit = "count" | "percent" | "latency" | "seconds";

export interface Panel {
  kind: PanelKind;
  title: string;
  description?: string;
  queries: Query[];
  unit?: PanelUnit;
  /** Red below or above `value`, green otherwise (stat panels, and a line on charts). */
  threshold?: { red: "below" | "above"; value: number };
  /** Panels with their own time frame: the last `days`, one point per `stepDays` (usage). */
  timeFrame?: { days: number; stepDays: number };
  /** toplist / table: at most this many rows. */
  limit?: number;
  /** note: its markdown. */
  text?: string;
}

export interface Section {
  title: string;
  panels: Panel[];
}

export const series = (ref: SeriesRef, agg: Agg): Expr => ({ kind: "series", series: ref, agg });
export const sum = (ref: SeriesRef): Expr => series(ref, "sum");
const num = (value: number): Expr => ({ kind: "num", value });
const op =
  (o: "+" | "-" | "*" | "/") =>
  (left: Expr, right: Expr): Expr => ({ kind: "op", op: o, left, right });
export const add = op("+");
export const sub = op("-");
export const mul = op("*");
export const div = op("/");

/** Every series an expression reads (for checks and tests). */
export function seriesIn(expr: Expr): Array<{ series: SeriesRef; agg: Agg }> {
  if (expr.kind === "series") return [{ series: expr.series, agg: expr.agg }];
  if (expr.kind === "num") return [];
  return [...seriesIn(expr.left), ...seriesIn(expr.right)];
}

/** An alert's query: one result per connection, as the Datadog monitors group (no dashboard variables). */
export const perConnection = (expr: Expr): Query => ({ expr, scope: "none", by: MONITOR_CONNECTION });

/** An alert's query over the export runs' own series (`command = export`). */
export const ofExportRuns = (expr: Expr, by: readonly string[] = []): Query => ({
  expr,
  scope: "none",
  by,
  where: { command: "export" },
});

/** One line per connection: destination names repeat, destination_id tells them apart (as on Datadog). */
export const CONNECTION_BY = ["source_slug", "destination", "destination_id"] as const;

/** successes + discarded + expired: the deliveries a success rate is taken of (as `check` does). */
export function deliveries(s: Pick<SeriesRefs, "successes" | "discarded" | "expired">): Expr {
  return add(add(sum(s.successes), sum(s.discarded)), sum(s.expired));
}

/** 100 × successes / (successes + discarded + expired). */
function successRatePercent(s: SeriesRefs): Expr {
  return div(mul(num(100), sum(s.successes)), deliveries(s));
}

const delivery = (expr: Expr, by: readonly string[] = [], legend?: string): Query => ({
  expr,
  scope: "delivery",
  by,
  ...(legend ? { legend } : {}),
});

function keyMetrics(s: SeriesRefs, options: AssetOptions): Section {
  return {
    title: SECTIONS.keyMetrics,
    panels: [
      { kind: "stat", title: "Delivered", unit: "count", queries: [delivery(sum(s.successes))] },
      {
        kind: "stat",
        title: "Not delivered (discarded + expired)",
        unit: "count",
        queries: [delivery(add(sum(s.discarded), sum(s.expired)))],
        threshold: { red: "above", value: 0 },
      },
      {
        kind: "stat",
        title: "Success rate",
        description: "successes / (successes + discarded + expired), as `check` and the success-rate alert compute it",
        unit: "percent",
        queries: [delivery(successRatePercent(s))],
        threshold: { red: "below", value: round(options.minSuccessRate * 100, 4) },
      },
      {
        kind: "stat",
        title: "p95 time to success (worst connection)",
        unit: "latency",
        queries: [delivery(series(s.timeToSuccessP95, "max"))],
        threshold: { red: "above", value: options.maxP95Ms },
      },
    ],
  };
}

/** Segment's Delivery Overview steps, as on the Datadog dashboard (pipelineSteps), and what the codes mean. */
function pipeline(s: SeriesRefs): Section {
  const steps = pipelineSteps(s);
  const query = (step: PipelineStep<SeriesRef>, by: string[] = [], legend?: string): Query => ({
    expr: sum(step.series),
    scope: step.scope,
    by,
    ...(legend ? { legend } : {}),
  });
  return {
    title: SECTIONS.pipeline,
    panels: [
      ...steps.map(
        (step): Panel => ({
          kind: "stat",
          title: step.title,
          ...(step.description ? { description: step.description } : {}),
          unit: "count",
          queries: [query(step)],
        }),
      ),
      ...steps
        .filter((step) => step.reasons)
        .map(
          (step): Panel => ({
            kind: "toplist",
            title: topReasonsTitle(step),
            description: "Segment's codes, lowercased",
            unit: "count",
            limit: 10,
            queries: [query(step, ["reason"])],
          }),
        ),
      {
        kind: "bars",
        title: "The pipeline over time",
        unit: "count",
        // Every step but the last (delivered): where the events that do not arrive went.
        queries: steps.slice(0, -1).map((step) => query(step, [], step.alias)),
      },
      { kind: "note", title: "What the reasons mean", queries: [], text: reasonNote() },
    ],
  };
}

function errorDetails(s: SeriesRefs): Section {
  return {
    title: SECTIONS.errorDetails,
    panels: [
      {
        kind: "toplist",
        title: "Failures by reason",
        description:
          "Segment's discard reasons, lowercased; `other` is a code too long or with characters a tag cannot hold",
        unit: "count",
        limit: 25,
        queries: [delivery(sum(s.failed), ["reason"])],
      },
      {
        kind: "table",
        title: "Failures per connection and reason",
        description:
          "Segment's Error Details table: count over the time frame; the bars beside show when each reason was seen last.",
        unit: "count",
        limit: 500,
        queries: [delivery(sum(s.failed), [...CONNECTION_BY, "reason"], "failures")],
      },
      {
        kind: "bars",
        title: "Failures by reason over time (newest bar = last seen)",
        unit: "count",
        queries: [delivery(sum(s.failed), ["reason"])],
      },
    ],
  };
}

function trends(s: SeriesRefs, options: AssetOptions): Section {
  const latency = (title: string, p95: SeriesRef, avg: SeriesRef): Panel => ({
    kind: "lines",
    title,
    description: "Per connection: p95 (combined with max, never summed) and average",
    unit: "latency",
    queries: [
      delivery(series(p95, "max"), CONNECTION_BY, "p95"),
      delivery(series(avg, "avg"), CONNECTION_BY, "average"),
    ],
  });
  return {
    title: SECTIONS.trends,
    panels: [
      {
        kind: "bars",
        title: "Delivered, discarded, expired, retried",
        unit: "count",
        queries: [
          delivery(sum(s.successes), [], "delivered"),
          delivery(sum(s.discarded), [], "discarded"),
          delivery(sum(s.expired), [], "expired"),
          delivery(sum(s.retried), [], "retried"),
        ],
      },
      {
        kind: "bars",
        title: "Delivered on the first attempt, and after retries",
        description:
          "Successes split by attempt: a growing after-retries share means the destination is failing and Segment's retries are still saving the events",
        unit: "count",
        queries: [
          delivery(sum(s.successesFirstAttempt), [], "first attempt"),
          delivery(sum(s.successesAfterRetry), [], "after retries"),
        ],
      },
      {
        kind: "lines",
        title: "Success rate per connection (%)",
        unit: "percent",
        queries: [delivery(successRatePercent(s), CONNECTION_BY)],
        threshold: { red: "below", value: round(options.minSuccessRate * 100, 4) },
      },
      latency("Time to success", s.timeToSuccessP95, s.timeToSuccessAvg),
      latency("Time to first attempt", s.timeToFirstAttemptP95, s.timeToFirstAttemptAvg),
    ],
  };
}

const GROUP_KEYS: Readonly<Record<Exclude<EventGroup, "source">, { key: string; what: string }>> = {
  eventName: { key: "event_name", what: "event" },
  eventType: { key: "event_type", what: "event type" },
};

function eventVolume(s: SeriesRefs, options: AssetOptions): Section {
  const source = (by: string[]): Query => ({ expr: sum(s.eventsVolume), scope: "source", by });
  const panels: Panel[] = [
    { kind: "bars", title: "Events per source", unit: "count", queries: [source(["source_slug"])] },
  ];
  for (const group of options.eventsGroupBy) {
    if (group === "source") continue; // always split by source
    const { key, what } = GROUP_KEYS[group];
    panels.push({ kind: "toplist", title: `Events per ${what}`, unit: "count", limit: 25, queries: [source([key])] });
  }
  return { title: SECTIONS.eventVolume, panels };
}

/**
 * Month-to-date gauges read once per UTC day: over a few hours that is one dot or nothing, so these
 * panels keep the last 30 days, one point per day. `max` keeps the workspace total (never below a
 * source's value) when no source is picked, and the source's own value when one is.
 */
function usage(s: SeriesRefs): Section {
  const daily = (ref: SeriesRef, by: string[]): Query => ({ expr: series(ref, "max"), scope: "source", by });
  const timeFrame = { days: 30, stepDays: 1 };
  return {
    title: SECTIONS.usage,
    panels: [
      {
        kind: "bars",
        title: "MTU by type",
        description: "Monthly tracked users so far this month, read once per UTC day; always the last 30 days",
        unit: "count",
        timeFrame,
        queries: [daily(s.mtu, ["workspace", "mtu_type"])],
      },
      {
        kind: "bars",
        title: "API calls",
        description: "API calls so far this month, read once per UTC day; always the last 30 days",
        unit: "count",
        timeFrame,
        queries: [daily(s.apiCalls, ["workspace"])],
      },
    ],
  };
}

function health(s: SeriesRefs): Section {
  const e = s.exporter;
  const perWorkspace = (ref: SeriesRef, legend: string): Query => ({
    expr: sum(ref),
    scope: "workspace",
    by: ["workspace"],
    legend,
  });
  return {
    title: SECTIONS.health,
    panels: [
      {
        kind: "bars",
        title: "Runs (heartbeat)",
        unit: "count",
        queries: [{ expr: series(e.heartbeat, "count"), scope: "none", by: ["command"] }],
      },
      {
        kind: "lines",
        title: "Lag: now − end of the newest exported bucket",
        unit: "seconds",
        queries: [{ expr: series(e.lag, "max"), scope: "workspace", by: ["workspace"] }],
      },
      {
        kind: "bars",
        title: "Buckets missed (lost) and failed (pending)",
        unit: "count",
        queries: [perWorkspace(e.bucketsMissed, "missed"), perWorkspace(e.bucketsFailed, "failed")],
      },
      {
        kind: "bars",
        title: "Segment API calls by status",
        unit: "count",
        queries: [{ expr: sum(e.segmentCalls), scope: "none", by: ["status"] }],
      },
      { kind: "alerts", title: "Managed alerts", queries: [] },
    ],
  };
}

/** The sections of the dashboard, in order (the note about the series comes before them, per backend). */
export function dashboardSections(s: SeriesRefs, options: AssetOptions): Section[] {
  return [
    keyMetrics(s, options),
    pipeline(s),
    errorDetails(s),
    trends(s, options),
    eventVolume(s, options),
    usage(s),
    health(s),
  ];
}

/** The text of the note that opens the dashboard, naming the series as the backend spells them. */
export function aboutText(s: SeriesRefs, prefix: string, name: (series: SeriesRef) => string): string {
  return [
    "## Segment Event Delivery",
    `Segment's *Event Delivery* view, per source → destination connection, exported by **segment-datadog-exporter** from the Segment Public API under the prefix \`${prefix}\`.`,
    "",
    `- **Delivery** (\`${name(s.successes)}\`, \`${name(s.discarded)}\`, \`${name(s.expired)}\`, \`${name(s.retried)}\`): counts per bucket, stamped at the bucket start; each bucket is sent once, at its last read.`,
    `- **Time to success / first attempt** (\`${name(s.timeToSuccessP95)}\`, \`${name(s.timeToSuccessAvg)}\`, …): one gauge per bucket; p95 is combined with max, never summed.`,
    `- **Failures by reason** (\`${name(s.failed)}\`, label \`reason\`): Segment's Delivery Overview, the *Error Details* table.`,
    `- **Event volume** (\`${name(s.eventsVolume)}\`), **usage** (\`${name(s.mtu)}\`, \`${name(s.apiCalls)}\`, month to date), and the exporter's own health (\`${name(s.exporter.heartbeat)}\`, \`${name(s.exporter.lag)}\`, …).`,
    "",
    "Filter with the variables above; lines are per connection (source → destination, told apart by `destination_id` when names repeat). Setup, series and alerts: the README's *Dashboards and monitors* section. Generated by `segment-datadog-exporter dashboard --sink …`: edits are replaced when it is imported again.",
  ].join("\n");
}
