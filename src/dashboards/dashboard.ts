// The *Segment Event Delivery* dashboard as Datadog's v1 wire JSON (snake_case), built by pure
// functions from the series names of the mapping code. The same object is printed by --dry-run,
// written to dashboard.json by --out, and sent through the client after ObjectSerializer.deserialize.
// Layout follows how a person reads Segment's Event Delivery view: what it is, the key numbers,
// why events failed, how it trends, then volume, usage and the exporter's own health.

import { REASON_CATALOG } from "../reasons/catalog.js";
import { type AssetOptions, DESCRIPTION_MARKER, dashboardTitle, MANAGED_TAG, README_SECTION, round } from "./common.js";
import { type SeriesNames, seriesNames } from "./series.js";

export type Json = { [key: string]: unknown };

/** Design §5's three, plus destination_type: "all my webhooks" is a question the catalog slug answers. */
export const TEMPLATE_VARIABLES = ["workspace", "source_slug", "destination", "destination_type"] as const;
/** Delivery series carry all four; events and usage have no destination; exporter series only workspace. */
const DELIVERY_SCOPE = "$workspace,$source_slug,$destination,$destination_type";
const SOURCE_SCOPE = "$workspace,$source_slug";
/**
 * One line per connection. Destination names are not unique (two "Webhooks" on one source are
 * common) and `by {destination}` would add them up; destination_id is, and the name stays for the
 * legend. A destination instance belongs to one source, so the id alone names the connection.
 */
export const CONNECTION_GROUP = "source_slug,destination,destination_id";

interface Query {
  name: string;
  query: string;
  aggregator?: "sum" | "max" | "avg" | "last";
}

const metricQuery = (q: Query): Json => ({
  data_source: "metrics",
  name: q.name,
  query: q.query,
  ...(q.aggregator ? { aggregator: q.aggregator } : {}),
});

const count = (metric: string, scope: string, by?: string) =>
  `sum:${metric}{${scope}}${by ? ` by {${by}}` : ""}.as_count()`;

const widget = (definition: Json): Json => ({ definition });

function note(content: string): Json {
  return widget({ type: "note", content, background_color: "white", font_size: "14", has_padding: true });
}

function group(title: string, widgets: Json[]): Json {
  return widget({ type: "group", layout_type: "ordered", title, show_title: true, widgets });
}

function queryValue(
  title: string,
  queries: Query[],
  formula: string,
  options: { precision?: number; unit?: string; conditional?: Json[]; description?: string } = {},
): Json {
  return widget({
    type: "query_value",
    title,
    title_size: "16",
    title_align: "left",
    ...(options.description ? { description: options.description } : {}),
    autoscale: true,
    precision: options.precision ?? 0,
    ...(options.unit ? { custom_unit: options.unit } : {}),
    requests: [
      {
        response_format: "scalar",
        queries: queries.map(metricQuery),
        formulas: [{ formula }],
        ...(options.conditional ? { conditional_formats: options.conditional } : {}),
      },
    ],
  });
}

interface Line {
  queries: Query[];
  formula: string;
  alias?: string;
  display: "bars" | "line";
}

interface TimeseriesOptions {
  description?: string;
  markers?: Json[];
  /** Widget-level time frame (reference §4.8 `WidgetTime`), overriding the dashboard's. */
  time?: Json;
}

function timeseries(title: string, lines: Line[], options: TimeseriesOptions = {}): Json {
  return widget({
    type: "timeseries",
    title,
    title_size: "16",
    title_align: "left",
    ...(options.description ? { description: options.description } : {}),
    ...(options.time ? { time: options.time } : {}),
    show_legend: true,
    legend_layout: "auto",
    requests: lines.map((line) => ({
      response_format: "timeseries",
      display_type: line.display,
      queries: line.queries.map(metricQuery),
      formulas: [{ formula: line.formula, ...(line.alias ? { alias: line.alias } : {}) }],
    })),
    ...(options.markers ? { markers: options.markers } : {}),
  });
}

function toplist(title: string, query: Query, description?: string): Json {
  return widget({
    type: "toplist",
    title,
    title_size: "16",
    title_align: "left",
    ...(description ? { description } : {}),
    requests: [
      {
        response_format: "scalar",
        queries: [metricQuery(query)],
        formulas: [{ formula: query.name }],
        sort: { count: 25, order_by: [{ type: "formula", index: 0, order: "desc" }] },
      },
    ],
  });
}

function table(title: string, query: Query, alias: string, description: string): Json {
  return widget({
    type: "query_table",
    title,
    title_size: "16",
    title_align: "left",
    description,
    has_search_bar: "auto",
    requests: [
      {
        response_format: "scalar",
        queries: [metricQuery(query)],
        formulas: [{ formula: query.name, alias }],
        sort: { count: 500, order_by: [{ type: "formula", index: 0, order: "desc" }] },
      },
    ],
  });
}

function about(s: SeriesNames, prefix: string): Json {
  return note(
    [
      "## Segment Event Delivery",
      `Segment's *Event Delivery* view, per source → destination connection, exported by **segment-datadog-exporter** from the Segment Public API under the prefix \`${prefix}\`.`,
      "",
      `- **Delivery** (\`${s.successes}\`, \`.discarded\`, \`.expired\`, \`.retried\`): counts per bucket, stamped at the bucket start; recent buckets are re-read and overwritten while Segment still retries (up to 4 h).`,
      `- **Time to success / first attempt** (\`…time_to_success.p95\`, \`.avg\`): Segment's values in milliseconds, one gauge per bucket; p95 is combined with \`max\`, never summed.`,
      `- **Failures by reason** (\`${s.failed}\`, tag \`reason\`): Segment's Delivery Overview, the *Error Details* table.`,
      `- **The pipeline** (\`${s.pipeline.received}\`, \`.ingest_failed\`, \`.filtered_at_source\` per source; \`.filtered_at_destination\` per connection; tag \`reason\`): where events stop before delivery — the usual answer to "why is data missing?".`,
      `- **Event volume** (\`${s.eventsVolume}\`), **usage** (\`${s.mtu}\`, \`${s.apiCalls}\`, month to date), and the exporter's own health (\`${prefix}.exporter.*\`).`,
      "",
      `Filter with the template variables above; lines are per connection (source → destination, told apart by \`destination_id\` when names repeat). Setup, series and alerts: ${README_SECTION}, and \`segment-datadog-exporter dashboard --help\`. ${DESCRIPTION_MARKER}: edits here are replaced by the next \`segment-datadog-exporter dashboard\` run.`,
    ].join("\n"),
  );
}

function keyMetrics(s: SeriesNames, options: AssetOptions): Json {
  const rate = round(options.minSuccessRate * 100, 4);
  return group("Key metrics", [
    queryValue(
      "Delivered",
      [{ name: "query1", query: count(s.successes, DELIVERY_SCOPE), aggregator: "sum" }],
      "query1",
    ),
    queryValue(
      "Not delivered (discarded + expired)",
      [
        { name: "query1", query: count(s.discarded, DELIVERY_SCOPE), aggregator: "sum" },
        { name: "query2", query: count(s.expired, DELIVERY_SCOPE), aggregator: "sum" },
      ],
      "query1 + query2",
      { conditional: [{ comparator: ">", value: 0, palette: "white_on_red" }] },
    ),
    queryValue(
      "Success rate",
      [
        { name: "query1", query: count(s.successes, DELIVERY_SCOPE), aggregator: "sum" },
        { name: "query2", query: count(s.discarded, DELIVERY_SCOPE), aggregator: "sum" },
        { name: "query3", query: count(s.expired, DELIVERY_SCOPE), aggregator: "sum" },
      ],
      "100 * query1 / (query1 + query2 + query3)",
      {
        precision: 2,
        unit: "%",
        description:
          "successes / (successes + discarded + expired), as `check` and the success-rate monitor compute it",
        conditional: [
          { comparator: "<", value: rate, palette: "white_on_red" },
          { comparator: ">=", value: rate, palette: "white_on_green" },
        ],
      },
    ),
    queryValue(
      "p95 time to success (worst connection)",
      [{ name: "query1", query: `max:${s.timeToSuccessP95}{${DELIVERY_SCOPE}}`, aggregator: "max" }],
      "query1",
      {
        unit: "ms",
        conditional: [
          { comparator: ">", value: options.maxP95Ms, palette: "white_on_red" },
          { comparator: "<=", value: options.maxP95Ms, palette: "white_on_green" },
        ],
      },
    ),
  ]);
}

function errorDetails(s: SeriesNames): Json {
  const by = `${CONNECTION_GROUP},reason`;
  return group("Error details", [
    toplist(
      "Failures by reason",
      { name: "query1", query: count(s.failed, DELIVERY_SCOPE, "reason"), aggregator: "sum" },
      "Segment's discard reasons, lowercased; `other` is a code too long or with characters a tag cannot hold",
    ),
    table(
      "Failures per connection and reason",
      { name: "query1", query: count(s.failed, DELIVERY_SCOPE, by), aggregator: "sum" },
      "failures",
      "Segment's Error Details table: count over the dashboard's time frame. Datadog tables cannot show a last-seen time; the bars beside show when each reason was seen last.",
    ),
    timeseries("Failures by reason over time (newest bar = last seen)", [
      {
        queries: [{ name: "query1", query: count(s.failed, DELIVERY_SCOPE, "reason") }],
        formula: "query1",
        display: "bars",
      },
    ]),
  ]);
}

/**
 * Segment's Delivery Overview in its step order (design §5, The pipeline): received → failed on
 * ingest → filtered at source → filtered at destination → failed delivery → delivered, with the top
 * reasons of each failing or filtering step, and a note that says what the codes mean.
 */
function pipeline(s: SeriesNames): Json {
  const reasons = (title: string, metric: string, scope: string, description: string) =>
    toplist(title, { name: "query1", query: count(metric, scope, "reason"), aggregator: "sum" }, description);
  return group("Pipeline: where events stop", [
    queryValue(
      "Received",
      [{ name: "query1", query: count(s.pipeline.received, SOURCE_SCOPE), aggregator: "sum" }],
      "query1",
      {
        description: "Events Segment accepted from the sources (Delivery Overview: successfully received)",
      },
    ),
    queryValue(
      "Failed on ingest",
      [{ name: "query1", query: count(s.pipeline.ingestFailed, SOURCE_SCOPE), aggregator: "sum" }],
      "query1",
      { description: "Events Segment refused at its door (no user id, invalid payload…); never delivered anywhere" },
    ),
    queryValue(
      "Filtered at source",
      [{ name: "query1", query: count(s.pipeline.filteredAtSource, SOURCE_SCOPE), aggregator: "sum" }],
      "query1",
      { description: "Events dropped by the source's own rules (Protocols, source filters)" },
    ),
    queryValue(
      "Filtered at destination",
      [{ name: "query1", query: count(s.pipeline.filteredAtDestination, DELIVERY_SCOPE), aggregator: "sum" }],
      "query1",
      { description: "Events a destination filter or mapping dropped before delivery" },
    ),
    queryValue(
      "Failed delivery",
      [{ name: "query1", query: count(s.failed, DELIVERY_SCOPE), aggregator: "sum" }],
      "query1",
      {
        description: "Deliveries Segment gave up on (the Error details section has the reasons)",
      },
    ),
    queryValue(
      "Delivered",
      [{ name: "query1", query: count(s.successes, DELIVERY_SCOPE), aggregator: "sum" }],
      "query1",
    ),
    reasons("Top reasons: failed on ingest", s.pipeline.ingestFailed, SOURCE_SCOPE, "Segment's codes, lowercased"),
    reasons(
      "Top reasons: filtered at source",
      s.pipeline.filteredAtSource,
      SOURCE_SCOPE,
      "Segment's codes, lowercased",
    ),
    reasons(
      "Top reasons: filtered at destination",
      s.pipeline.filteredAtDestination,
      DELIVERY_SCOPE,
      "Segment's codes, lowercased",
    ),
    reasons("Top reasons: failed delivery", s.failed, DELIVERY_SCOPE, "Segment's codes, lowercased"),
    timeseries("The pipeline over time", [
      ...(
        [
          [s.pipeline.received, "received", SOURCE_SCOPE],
          [s.pipeline.ingestFailed, "failed on ingest", SOURCE_SCOPE],
          [s.pipeline.filteredAtSource, "filtered at source", SOURCE_SCOPE],
          [s.pipeline.filteredAtDestination, "filtered at destination", DELIVERY_SCOPE],
          [s.failed, "failed delivery", DELIVERY_SCOPE],
        ] as const
      ).map(
        ([metric, alias, scope]): Line => ({
          queries: [{ name: "query1", query: count(metric, scope) }],
          formula: "query1",
          alias,
          display: "bars",
        }),
      ),
    ]),
    note(reasonNote()),
  ]);
}

/** What the codes the pipeline and error-details widgets show mean (design §5, Reason descriptions). */
function reasonNote(): string {
  const rows = [...REASON_CATALOG].map(
    ([tag, r]) =>
      `| \`${tag}\` | ${r.label} | ${r.description.replace(/\|/g, "\\|")} | ${r.retried === "sometimes" ? "sometimes" : r.retried ? "yes" : "no"} |`,
  );
  return [
    "### What the reasons mean",
    "Reason tags are Segment's codes lowercased; `unknown` is an empty code, `other` one too long or holding characters a tag cannot (e.g. a message).",
    "",
    "| reason | label | meaning | Segment retries |",
    "| --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

function trends(s: SeriesNames, options: AssetOptions): Json {
  const bars = (metric: string, alias: string): Line => ({
    queries: [{ name: "query1", query: count(metric, DELIVERY_SCOPE) }],
    formula: "query1",
    alias,
    display: "bars",
  });
  const latency = (title: string, p95: string, avg: string) =>
    timeseries(
      title,
      [
        {
          queries: [{ name: "query1", query: `max:${p95}{${DELIVERY_SCOPE}} by {${CONNECTION_GROUP}}` }],
          formula: "query1",
          alias: "p95",
          display: "line",
        },
        {
          queries: [{ name: "query1", query: `avg:${avg}{${DELIVERY_SCOPE}} by {${CONNECTION_GROUP}}` }],
          formula: "query1",
          alias: "average",
          display: "line",
        },
      ],
      { description: "Milliseconds, as Segment reports them" },
    );
  return group("Delivery trends", [
    timeseries("Delivered, discarded, expired, retried", [
      bars(s.successes, "delivered"),
      bars(s.discarded, "discarded"),
      bars(s.expired, "expired"),
      bars(s.retried, "retried"),
    ]),
    timeseries(
      "Delivered on the first attempt, and after retries",
      [bars(s.successesFirstAttempt, "first attempt"), bars(s.successesAfterRetry, "after retries")],
      {
        description:
          "Successes split by attempt: a growing after-retries share means the destination is failing and Segment's retries are still saving the events",
      },
    ),
    timeseries(
      "Success rate per connection (%)",
      [
        {
          queries: [
            { name: "query1", query: count(s.successes, DELIVERY_SCOPE, CONNECTION_GROUP) },
            { name: "query2", query: count(s.discarded, DELIVERY_SCOPE, CONNECTION_GROUP) },
            { name: "query3", query: count(s.expired, DELIVERY_SCOPE, CONNECTION_GROUP) },
          ],
          formula: "100 * query1 / (query1 + query2 + query3)",
          display: "line",
        },
      ],
      {
        markers: [
          { value: `y = ${round(options.minSuccessRate * 100, 4)}`, display_type: "error dashed", label: "minimum" },
        ],
      },
    ),
    latency("Time to success (ms)", s.timeToSuccessP95, s.timeToSuccessAvg),
    latency("Time to first attempt (ms)", s.timeToFirstAttemptP95, s.timeToFirstAttemptAvg),
  ]);
}

function eventVolume(s: SeriesNames, options: AssetOptions): Json {
  const widgets = [
    timeseries("Events per source", [
      {
        queries: [{ name: "query1", query: count(s.eventsVolume, SOURCE_SCOPE, "source_slug") }],
        formula: "query1",
        display: "bars",
      },
    ]),
  ];
  for (const groupBy of options.eventsGroupBy) {
    if (groupBy === "source") continue; // always split by source
    const key = groupBy === "eventName" ? "event_name" : "event_type";
    widgets.push(
      toplist(`Events per ${key === "event_name" ? "event" : "event type"}`, {
        name: "query1",
        query: count(s.eventsVolume, SOURCE_SCOPE, key),
        aggregator: "sum",
      }),
    );
  }
  return group("Event volume", widgets);
}

/**
 * Usage is one month-to-date point per UTC day: over the dashboard's default few hours it is one dot
 * or nothing. These widgets keep their own time frame, the last month (`1mo`, not `month_to_date`,
 * which is one day long on the 1st and would hide last month's final total), with one bar per UTC
 * day (rollup of a day, epoch-aligned like the usage reads).
 */
export const USAGE_TIME = { live_span: "1mo" } as const;
const DAY_S = 86_400;

function usage(s: SeriesNames): Json {
  // Month-to-date gauges: `max` across series keeps the workspace total (never below a source's value)
  // when no source is picked, and the source's own value when one is; `max` per day for the same reason.
  const daily = (metric: string, by: string): Line => ({
    queries: [{ name: "query1", query: `max:${metric}{${SOURCE_SCOPE}} by {${by}}.rollup(max, ${DAY_S})` }],
    formula: "query1",
    display: "bars",
  });
  return group("Usage (month to date)", [
    timeseries("MTU by type", [daily(s.mtu, "workspace,mtu_type")], {
      description: "Monthly tracked users so far this month, read once per UTC day; always the last month",
      time: USAGE_TIME,
    }),
    timeseries("API calls", [daily(s.apiCalls, "workspace")], {
      description: "API calls so far this month, read once per UTC day; always the last month",
      time: USAGE_TIME,
    }),
  ]);
}

function health(s: SeriesNames, prefix: string): Json {
  const e = s.exporter;
  return group("Exporter health", [
    timeseries("Runs (heartbeat)", [
      {
        queries: [{ name: "query1", query: `sum:${e.heartbeat}{*} by {command}.rollup(count)` }],
        formula: "query1",
        display: "bars",
      },
    ]),
    timeseries("Lag (s): now − end of the newest exported bucket", [
      {
        queries: [{ name: "query1", query: `max:${e.lag}{$workspace} by {workspace}` }],
        formula: "query1",
        display: "line",
      },
    ]),
    timeseries("Buckets missed (lost) and failed (pending)", [
      {
        queries: [{ name: "query1", query: count(e.bucketsMissed, "$workspace", "workspace") }],
        formula: "query1",
        alias: "missed",
        display: "bars",
      },
      {
        queries: [{ name: "query1", query: count(e.bucketsFailed, "$workspace", "workspace") }],
        formula: "query1",
        alias: "failed",
        display: "bars",
      },
    ]),
    timeseries("Segment API calls by status", [
      {
        queries: [{ name: "query1", query: count(e.segmentCalls, "*", "status") }],
        formula: "query1",
        display: "bars",
      },
    ]),
    widget({
      type: "manage_status",
      title: "Managed monitors",
      title_size: "16",
      title_align: "left",
      summary_type: "monitors",
      display_format: "countsAndList",
      color_preference: "text",
      hide_zero_counts: true,
      show_last_triggered: true,
      sort: "status,asc",
      query: monitorSearchQuery(prefix),
    }),
  ]);
}

/** Monitor-search syntax for the managed monitors of this prefix. */
export function monitorSearchQuery(prefix: string): string {
  return `tag:"${MANAGED_TAG}" tag:"metric_prefix:${prefix}"`;
}

/** Dashboard tags accept only `team:` keys, at most 5 (reference §4.1); other --tag tags stay off it. */
export function dashboardTags(tags: readonly string[]): string[] {
  return tags.filter((t) => t.toLowerCase().startsWith("team:")).slice(0, 5);
}

export function buildDashboard(options: AssetOptions): Json {
  const s = seriesNames(options.prefix);
  const tags = dashboardTags(options.tags);
  return {
    title: dashboardTitle(options.prefix),
    description: `Segment Event Delivery metrics per source → destination, exported under \`${options.prefix}\`; ${DESCRIPTION_MARKER}.`,
    layout_type: "ordered",
    reflow_type: "auto",
    template_variables: TEMPLATE_VARIABLES.map((name) => ({ name, prefix: name, defaults: ["*"] })),
    widgets: [
      about(s, options.prefix),
      keyMetrics(s, options),
      pipeline(s),
      errorDetails(s),
      trends(s, options),
      eventVolume(s, options),
      usage(s),
      health(s, options.prefix),
    ],
    ...(tags.length > 0 ? { tags } : {}),
  };
}
