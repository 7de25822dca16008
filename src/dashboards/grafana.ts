// The Segment Event Delivery dashboard for Grafana over a Prometheus-compatible data source that
// holds the remote-write series (Prometheus, Mimir, Grafana Cloud, VictoriaMetrics): the JSON that
// Dashboards → New → Import takes. The data source is a template variable (`${datasource}`), so the
// file imports anywhere; the other variables are the Datadog dashboard's. Typed with Grafana's own
// schema package (@grafana/schema, types only: nothing of it is loaded at run time), so a misspelt
// field of the dashboard model fails the build rather than the import.
import type { Dashboard, Panel, RowPanel, VariableModel } from "@grafana/schema";
import { formatDuration } from "../units.js";
import { type AssetOptions, DESCRIPTION_MARKER, dashboardTitle, MANAGED_BY } from "./common.js";
import { dashboardTags, TEMPLATE_VARIABLES } from "./dashboard.js";
import { aboutText, CONNECTION_BY, dashboardSections, type Panel as NeutralPanel, type Query } from "./panels.js";
import { promName, promQuery } from "./promql.js";
import { seriesRefs } from "./refs.js";

/** Grafana 10.4 / 11's dashboard schema; newer Grafana migrates it on import. */
export const GRAFANA_SCHEMA_VERSION = 39;
/** Grafana's own `${…}` variable syntax, not a template literal: the data source chosen on import. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, kept as written
const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;
const WIDTH = 24;
/** Every range ends a millisecond before the step: a bar stands at the end of its bucket (see PromRange). */
const GRAFANA_OFFSET_MS = 1;

const UNITS: Readonly<Record<NonNullable<NeutralPanel["unit"]>, string>> = {
  count: "short",
  percent: "percent",
  latency: "s", // remote write carries latency in seconds (`…_seconds`)
  seconds: "s",
};

/** A threshold in the panel's unit as Grafana shows it: latency values are given in ms, shown in s. */
function thresholdValue(panel: NeutralPanel): number | undefined {
  const t = panel.threshold;
  if (!t) return undefined;
  const value = panel.unit === "latency" ? t.value / 1000 : t.value;
  // Grafana's steps start at their value (≥); "above 0" for whole counts starts at 1.
  return t.red === "above" && panel.unit === "count" ? Math.floor(value) + 1 : value;
}

function thresholds(panel: NeutralPanel) {
  const value = thresholdValue(panel);
  const below = panel.threshold?.red === "below";
  const steps =
    value === undefined
      ? [{ color: "green", value: null }]
      : [
          { color: below ? "red" : "green", value: null },
          { color: below ? "green" : "red", value },
        ];
  // `mode` is a string enum in the schema's types; the JSON holds its value.
  return { mode: "absolute" as never, steps: steps as Array<{ color: string; value: number }> };
}

function legendOf(query: Query): string {
  const by =
    query.by.join(",") === CONNECTION_BY.join(",")
      ? "{{source_slug}} → {{destination}} ({{destination_id}})"
      : query.by.map((key) => `{{${key}}}`).join(" ");
  return [query.legend, by].filter((part) => part && part !== "").join(" ") || "__auto";
}

interface Built {
  panel: Panel;
  width: number;
  height: number;
}

function targetsOf(panel: NeutralPanel, range: string, wrap: (expr: string) => string, instant: boolean) {
  return panel.queries.map((query, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: DATASOURCE,
    expr: wrap(promQuery(query, { range, offsetMs: GRAFANA_OFFSET_MS, variables: true })),
    legendFormat: legendOf(query),
    instant,
    range: !instant,
    ...(panel.kind === "table" ? { format: "table" } : {}),
  }));
}

function build(panel: NeutralPanel, options: AssetOptions): Built {
  const base = {
    title: panel.title,
    ...(panel.description ? { description: panel.description } : {}),
  };
  const unit = panel.unit ? UNITS[panel.unit] : "short";
  switch (panel.kind) {
    case "note":
      return {
        panel: { ...base, type: "text", options: { mode: "markdown", content: panel.text ?? "" } },
        width: WIDTH,
        height: 10,
      };
    case "alerts":
      return {
        panel: {
          ...base,
          type: "alertlist",
          description:
            "Firing and pending alerts of prometheus-rules.yml (`segment-datadog-exporter monitors --sink prometheus`), when Grafana sees the Prometheus that evaluates them",
          options: {
            viewMode: "list",
            groupMode: "default",
            showInstances: true,
            maxItems: 20,
            sortOrder: 1,
            dashboardAlerts: false,
            alertInstanceLabelFilter: `{managed_by="${MANAGED_BY}", metric_prefix="${options.prefix}"}`,
            stateFilter: { firing: true, pending: true, noData: false, normal: false, error: true },
          },
        },
        width: 12,
        height: 8,
      };
    case "stat":
      return {
        panel: {
          ...base,
          type: "stat",
          datasource: DATASOURCE,
          targets: targetsOf(panel, "$__range", (e) => e, true),
          fieldConfig: {
            defaults: {
              unit,
              ...(panel.unit === "percent" ? { decimals: 2 } : {}),
              color: { mode: "thresholds" as never },
              thresholds: thresholds(panel),
            },
            overrides: [],
          },
          options: {
            reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
            colorMode: panel.threshold ? "background" : "none",
            graphMode: "none",
            textMode: "value",
            justifyMode: "auto",
            orientation: "auto",
          },
        },
        width: 6,
        height: 5,
      };
    case "toplist":
    case "table": {
      const limit = panel.limit ?? 25;
      const table = panel.kind === "table";
      const legend = panel.queries[0]?.legend ?? "count";
      return {
        panel: {
          ...base,
          type: table ? "table" : "bargauge",
          datasource: DATASOURCE,
          targets: targetsOf(panel, "$__range", (e) => `sort_desc(topk(${limit}, ${e}))`, true),
          fieldConfig: {
            defaults: { unit, color: { mode: "continuous-BlYlRd" as never }, thresholds: thresholds(panel) },
            overrides: [],
          },
          ...(table
            ? {
                transformations: [
                  { id: "organize", options: { excludeByName: { Time: true }, renameByName: { Value: legend } } },
                ],
                options: { showHeader: true, sortBy: [{ displayName: legend, desc: true }] },
              }
            : {
                options: {
                  orientation: "horizontal",
                  displayMode: "basic",
                  showUnfilled: true,
                  reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
                },
              }),
        },
        width: table ? WIDTH : 12,
        height: table ? 9 : 8,
      };
    }
    case "bars":
    case "lines": {
      const bars = panel.kind === "bars";
      // One point per bucket at most: a sample per bucket, summed over each interval once.
      const interval = panel.timeFrame ? `${panel.timeFrame.stepDays}d` : formatDuration(options.bucketMs);
      return {
        panel: {
          ...base,
          type: "timeseries",
          datasource: DATASOURCE,
          interval,
          ...(panel.timeFrame ? { timeFrom: `${panel.timeFrame.days}d` } : {}),
          targets: targetsOf(panel, "$__interval", (e) => e, false),
          fieldConfig: {
            defaults: {
              unit,
              custom: {
                drawStyle: bars ? "bars" : "line",
                fillOpacity: bars ? 80 : 10,
                lineWidth: 1,
                stacking: { mode: bars ? "normal" : "none", group: "A" },
                thresholdsStyle: { mode: panel.threshold ? "dashed" : "off" },
              },
              thresholds: thresholds(panel),
            },
            overrides: [],
          },
          options: {
            legend: { displayMode: "list", placement: "bottom", showLegend: true },
            tooltip: { mode: "multi", sort: "desc" },
          },
        },
        width: 12,
        height: 8,
      };
    }
  }
}

/** Variables: the data source, then the Datadog dashboard's four, each narrowed by those before it. */
function variables(prefix: string): VariableModel[] {
  const s = seriesRefs(prefix);
  // Sources without destinations have event volume but no delivery series: list both.
  const names = `{__name__=~"${promName(s.successes)}|${promName(s.eventsVolume)}"`;
  const narrowed = (before: readonly string[]) => `${names}${before.map((v) => `, ${v}=~"$${v}"`).join("")}}`;
  const query = (name: string, before: readonly string[]): VariableModel => {
    const labelValues = `label_values(${narrowed(before)}, ${name})`;
    const variable: VariableModel = {
      type: "query",
      name,
      label: name,
      datasource: DATASOURCE,
      query: labelValues,
      includeAll: true,
      allValue: ".*",
      multi: true,
      refresh: 2 as never,
      sort: 1 as never,
      current: { selected: true, text: ["All"], value: ["$__all"] },
      options: [],
    };
    return variable;
  };
  const datasource: VariableModel = {
    type: "datasource",
    name: "datasource",
    label: "Data source",
    query: "prometheus",
    options: [],
    hide: 0 as never,
    refresh: 1 as never,
  };
  return [datasource, ...TEMPLATE_VARIABLES.map((name, i) => query(name, TEMPLATE_VARIABLES.slice(0, i)))];
}

/** A Grafana uid (at most 40 of [a-zA-Z0-9-_]) that is the same for the same prefix. */
export function grafanaUid(prefix: string): string {
  return `segment-event-delivery-${prefix.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`.slice(0, 40);
}

export function buildGrafanaDashboard(options: AssetOptions): Dashboard {
  const s = seriesRefs(options.prefix);
  let id = 0;
  let y = 0;
  const panels: Array<Panel | RowPanel> = [];
  const place = ({ panel, width, height }: Built, x: number) => {
    panels.push({ ...panel, id: ++id, gridPos: { x, y, w: width, h: height } });
  };
  const about = aboutText(s, options.prefix, promName);
  place(
    { panel: { type: "text", title: "About", options: { mode: "markdown", content: about } }, width: WIDTH, height: 7 },
    0,
  );
  y += 7;
  for (const section of dashboardSections(s, options)) {
    panels.push({
      type: "row",
      title: section.title,
      collapsed: false,
      id: ++id,
      panels: [],
      gridPos: { x: 0, y, w: WIDTH, h: 1 },
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const panel of section.panels) {
      const built = build(panel, options);
      if (x + built.width > WIDTH) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      place(built, x);
      x += built.width;
      rowHeight = Math.max(rowHeight, built.height);
    }
    y += rowHeight;
  }
  return {
    id: null,
    uid: grafanaUid(options.prefix),
    title: dashboardTitle(options.prefix),
    description: `Segment Event Delivery metrics per source → destination, remote-written under \`${options.prefix}\`; ${DESCRIPTION_MARKER}.`,
    tags: [MANAGED_BY, ...dashboardTags(options.tags)],
    timezone: "browser",
    editable: true,
    graphTooltip: 1 as never,
    schemaVersion: GRAFANA_SCHEMA_VERSION,
    version: 1,
    refresh: "5m",
    time: { from: "now-6h", to: "now" },
    templating: { list: variables(options.prefix) },
    annotations: { list: [] },
    links: [],
    panels,
  };
}

/** Every query of a Grafana dashboard: its panel's title, PromQL, and whether it is an instant query. */
export function grafanaTargets(dashboard: Dashboard): Array<{ panel: string; expr: string; instant: boolean }> {
  return (dashboard.panels ?? []).flatMap((panel) =>
    (("targets" in panel ? panel.targets : undefined) ?? []).map((target) => ({
      panel: String(panel.title),
      expr: String(target.expr),
      instant: target.instant === true,
    })),
  );
}
