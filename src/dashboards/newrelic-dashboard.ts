// The Segment Event Delivery dashboard for New Relic: the JSON that Dashboards → Import dashboard
// takes (NerdGraph's DashboardInput: pages of widgets with a layout, a visualization id and NRQL in
// rawConfiguration.nrqlQueries; dashboard-level variables used as `{{name}}`). NRQL reads the Metric
// API's names, which are the Datadog names (design §5). Queries name account 0: the file depends on no
// account, and the README shows how to put yours in before importing.
import { type AssetOptions, DESCRIPTION_MARKER, dashboardTitle } from "./common.js";
import { TEMPLATE_VARIABLES } from "./dashboard.js";
import { nrqlQuery } from "./nrql.js";
import { aboutText, dashboardSections, type Panel } from "./panels.js";
import { seriesRefs } from "./refs.js";

/** The account id every query names until the user puts theirs in (README). */
export const NEWRELIC_ACCOUNT_PLACEHOLDER = 0;
const COLUMNS = 12;

export interface NrqlQueryInput {
  accountIds: number[];
  query: string;
}

export interface NewRelicWidget {
  title: string;
  layout: { column: number; row: number; width: number; height: number };
  visualization: { id: string };
  rawConfiguration: { nrqlQueries?: NrqlQueryInput[]; text?: string; [key: string]: unknown };
}

export interface NewRelicVariable {
  name: string;
  title: string;
  type: "NRQL";
  nrqlQuery: NrqlQueryInput;
  defaultValues: Array<{ value: { string: string } }>;
  isMultiSelection: boolean;
  replacementStrategy: "STRING";
  options: { ignoreTimeRange: boolean };
}

export interface NewRelicDashboard {
  name: string;
  description: string;
  permissions: "PUBLIC_READ_WRITE";
  pages: Array<{ name: string; description: string; widgets: NewRelicWidget[] }>;
  variables: NewRelicVariable[];
}

const nrql = (query: string): NrqlQueryInput => ({ accountIds: [NEWRELIC_ACCOUNT_PLACEHOLDER], query });

/** The policy the alert conditions go into (newrelic-alerts.json): the managed-alerts widget reads its incidents. */
export const newRelicPolicyName = (prefix: string): string => dashboardTitle(prefix);

interface Sized {
  widget: Omit<NewRelicWidget, "layout">;
  width: number;
  height: number;
}

const VISUALIZATIONS: Readonly<Record<Panel["kind"], string>> = {
  stat: "viz.billboard",
  bars: "viz.stacked-bar",
  lines: "viz.line",
  toplist: "viz.bar",
  table: "viz.table",
  note: "viz.markdown",
  alerts: "viz.table",
};

function widgetOf(panel: Panel, prefix: string): Sized {
  const visualization = { id: VISUALIZATIONS[panel.kind] };
  if (panel.kind === "note")
    return {
      widget: { title: panel.title, visualization, rawConfiguration: { text: panel.text ?? "" } },
      width: COLUMNS,
      height: 4,
    };
  if (panel.kind === "alerts") {
    const policy = newRelicPolicyName(prefix).replace(/'/g, "\\'");
    return {
      widget: {
        title: panel.title,
        visualization,
        rawConfiguration: {
          nrqlQueries: [
            nrql(
              `FROM NrAiIncident SELECT count(*) AS 'incidents opened', latest(timestamp) AS 'last opened' WHERE policyName = '${policy}' AND event = 'open' FACET conditionName, priority SINCE 1 day ago`,
            ),
          ],
        },
      },
      width: 6,
      height: 3,
    };
  }
  const timeseries = panel.kind === "bars" || panel.kind === "lines";
  const clauses = {
    variables: true,
    timeseries: timeseries ? (panel.timeFrame ? `${panel.timeFrame.stepDays} day` : "AUTO") : undefined,
    since: panel.timeFrame ? `${panel.timeFrame.days} days ago` : undefined,
    limit: panel.limit ?? (timeseries ? 25 : undefined),
  };
  const threshold =
    panel.kind === "stat" && panel.threshold?.red === "above"
      ? { thresholds: [{ alertSeverity: "CRITICAL", value: panel.threshold.value }] }
      : {};
  return {
    widget: {
      title: `${panel.title}${panel.unit === "latency" ? " (ms)" : panel.unit === "seconds" ? " (s)" : ""}`,
      visualization,
      rawConfiguration: {
        nrqlQueries: panel.queries.map((q) => nrql(nrqlQuery(q, clauses))),
        facet: { showOtherSeries: false },
        legend: { enabled: true },
        platformOptions: { ignoreTimeRange: panel.timeFrame !== undefined },
        ...threshold,
      },
    },
    width: panel.kind === "stat" ? 3 : panel.kind === "table" ? COLUMNS : 6,
    height: panel.kind === "table" ? 4 : 3,
  };
}

export function buildNewRelicDashboard(options: AssetOptions): NewRelicDashboard {
  const s = seriesRefs(options.prefix);
  const widgets: NewRelicWidget[] = [];
  let row = 1;
  const markdown = (title: string, text: string, height: number) => {
    widgets.push({
      title,
      layout: { column: 1, row, width: COLUMNS, height },
      visualization: { id: "viz.markdown" },
      rawConfiguration: { text },
    });
    row += height;
  };
  markdown(
    "About",
    aboutText(s, options.prefix, (ref) => ref.metric),
    4,
  );
  for (const section of dashboardSections(s, options)) {
    markdown("", `## ${section.title}`, 1);
    let column = 1;
    let rowHeight = 0;
    for (const panel of section.panels) {
      const { widget, width, height } = widgetOf(panel, options.prefix);
      if (column + width - 1 > COLUMNS) {
        row += rowHeight;
        column = 1;
        rowHeight = 0;
      }
      const { title, ...rest } = widget;
      widgets.push({ title, layout: { column, row, width, height }, ...rest });
      column += width;
      rowHeight = Math.max(rowHeight, height);
    }
    row += rowHeight;
  }
  // Sources without destinations have event volume but no delivery series: list both.
  const names = `'${s.successes.metric}', '${s.eventsVolume.metric}'`;
  return {
    name: dashboardTitle(options.prefix),
    description: `Segment Event Delivery metrics per source → destination, exported under ${options.prefix}; ${DESCRIPTION_MARKER}.`,
    permissions: "PUBLIC_READ_WRITE",
    pages: [{ name: dashboardTitle(options.prefix), description: "", widgets }],
    variables: TEMPLATE_VARIABLES.map((name) => ({
      name,
      title: name,
      type: "NRQL",
      nrqlQuery: nrql(`FROM Metric SELECT uniques(${name}) WHERE metricName IN (${names}) SINCE 1 week ago`),
      defaultValues: [{ value: { string: "*" } }],
      isMultiSelection: true,
      replacementStrategy: "STRING",
      options: { ignoreTimeRange: true },
    })),
  };
}

/**
 * The import file: indented JSON with each `"accountIds": [0]` on one line, so the README's one `sed`
 * puts the user's account in every query and variable.
 */
export function newRelicDashboardJson(dashboard: NewRelicDashboard): string {
  return `${JSON.stringify(dashboard, null, 2).replace(/"accountIds": \[\s+(\d+)\s+\]/g, '"accountIds": [$1]')}\n`;
}

/** Every NRQL query of a New Relic dashboard (widgets and variables), with the widget's title. */
export function newRelicQueries(dashboard: NewRelicDashboard): Array<{ title: string; query: string }> {
  return [
    ...dashboard.pages.flatMap((page) =>
      page.widgets.flatMap((w) =>
        (w.rawConfiguration.nrqlQueries ?? []).map((q) => ({ title: w.title, query: q.query })),
      ),
    ),
    ...dashboard.variables.map((v) => ({ title: `variable ${v.name}`, query: v.nrqlQuery.query })),
  ];
}
