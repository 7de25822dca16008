// --out DIR: the definitions as Datadog's integration asset files. The dashboard file is the
// /dashboard JSON itself (what `datadog_dashboard_json` takes); each monitor is a recommended-monitor
// template: {version, created_at, last_updated_at, title, description, definition, tags}.
import type { AssetOptions } from "./common.js";
import type { Json } from "./dashboard.js";
import { buildMonitors, monitorSpecs } from "./monitors.js";

export interface AssetFile {
  /** Relative to the output folder. */
  path: string;
  content: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function fileSlug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "") || "monitor"
  );
}

export function dashboardAsset(dashboard: Json): AssetFile {
  return { path: "dashboard.json", content: json(dashboard) };
}

/** The dates a template file already carries, when it parses as one. */
function datesOf(text: string | undefined): { created: string; updated: string } | undefined {
  if (text === undefined) return undefined;
  try {
    const t = JSON.parse(text) as { created_at?: unknown; last_updated_at?: unknown };
    if (typeof t.created_at === "string" && typeof t.last_updated_at === "string")
      return { created: t.created_at, updated: t.last_updated_at };
  } catch {
    // not ours or damaged: written afresh below
  }
  return undefined;
}

/**
 * One recommended-monitor template per monitor. `day` (YYYY-MM-DD) and `previous` (the text a file
 * at that path holds now, if any) are passed in so the builder stays pure. The dates are the
 * template's history, not the run's: a file whose definition is unchanged is returned byte for byte
 * as it was (so a repository keeping the files sees no daily diff), a changed one keeps its
 * `created_at` and gets `last_updated_at: day`, a new one gets `day` for both.
 */
export function monitorAssets(
  options: AssetOptions,
  day: string,
  previous: (path: string) => string | undefined = () => undefined,
): AssetFile[] {
  const specs = monitorSpecs(options);
  return buildMonitors(options).map((definition, i) => {
    const name = String(definition.name);
    const path = `monitors/${fileSlug(name)}.json`;
    const render = (created: string, updated: string) =>
      json({
        version: 2,
        created_at: created,
        last_updated_at: updated,
        title: name,
        description: specs[i]?.description ?? name,
        definition,
        tags: ["integration:segment-datadog-exporter"],
      });
    const before = previous(path);
    const dates = datesOf(before);
    if (dates && render(dates.created, dates.updated) === before) return { path, content: before };
    return { path, content: render(dates?.created ?? day, day) };
  });
}

/** The tools `--sink` writes files for instead of sending (design §5, Dashboards and monitors). */
export type OtherSink = "newrelic" | "prometheus";

/** The file names of design §5, per tool and command. */
export const OTHER_ASSET_FILES: Readonly<Record<OtherSink, { dashboard: string; monitors: string }>> = {
  prometheus: { dashboard: "grafana-dashboard.json", monitors: "prometheus-rules.yml" },
  newrelic: { dashboard: "newrelic-dashboard.json", monitors: "newrelic-alerts.json" },
};

/** What --dry-run prints and the file --out writes: both depend on the options alone, never on the day. */
export interface OtherAsset {
  document: unknown;
  file: AssetFile;
}

export async function otherDashboardAsset(sink: OtherSink, options: AssetOptions): Promise<OtherAsset> {
  const path = OTHER_ASSET_FILES[sink].dashboard;
  if (sink === "prometheus") {
    const { buildGrafanaDashboard } = await import("./grafana.js");
    const document = buildGrafanaDashboard(options);
    return { document, file: { path, content: json(document) } };
  }
  const { buildNewRelicDashboard, newRelicDashboardJson } = await import("./newrelic-dashboard.js");
  const document = buildNewRelicDashboard(options);
  return { document, file: { path, content: newRelicDashboardJson(document) } };
}

export async function otherMonitorsAsset(sink: OtherSink, options: AssetOptions): Promise<OtherAsset> {
  const path = OTHER_ASSET_FILES[sink].monitors;
  if (sink === "prometheus") {
    const { buildPrometheusRules, prometheusRulesYaml } = await import("./prometheus-rules.js");
    const document = buildPrometheusRules(options);
    return { document, file: { path, content: prometheusRulesYaml(document, options.prefix) } };
  }
  const { buildNewRelicAlerts } = await import("./newrelic-alerts.js");
  const document = buildNewRelicAlerts(options);
  return { document, file: { path, content: json(document) } };
}
