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

/** `day` is YYYY-MM-DD, passed in so the builder stays pure. */
export function monitorAssets(options: AssetOptions, day: string): AssetFile[] {
  const specs = monitorSpecs(options);
  return buildMonitors(options).map((definition, i) => {
    const name = String(definition.name);
    return {
      path: `monitors/${fileSlug(name)}.json`,
      content: json({
        version: 2,
        created_at: day,
        last_updated_at: day,
        title: name,
        description: specs[i]?.description ?? name,
        definition,
        tags: ["integration:segment-datadog-exporter"],
      }),
    };
  });
}
