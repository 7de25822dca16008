// `dashboard`: create or update the Segment Event Delivery dashboard (design §5).
import type { Command } from "commander";
import type { AssetFlags } from "../config/settings.js";
import {
  addAssetOptions,
  assetOptionsOf,
  printApplied,
  withDatadogAssets,
  writeOffline,
  writeOtherSink,
} from "./assets.js";

export function registerDashboard(cmd: Command): void {
  cmd.description(
    "Creates the 'Segment Event Delivery' dashboard (with a non-default --metric-prefix: 'Segment Event Delivery (<prefix>)'), or updates the one an earlier run created: it is found by its title and the description marker 'managed by segment-datadog-exporter'. Needs DD_API_KEY and DD_APP_KEY, unless --dry-run or --out. With --sink prometheus it writes DIR/grafana-dashboard.json (Grafana, PromQL over the remote-write series), with --sink newrelic DIR/newrelic-dashboard.json (NRQL): files to import, nothing is sent.",
  );
  addAssetOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  DD_API_KEY=… DD_APP_KEY=… segment-datadog-exporter dashboard
  segment-datadog-exporter dashboard --dry-run > dashboard.json       # what would be sent
  segment-datadog-exporter dashboard --out datadog/                   # for Terraform's datadog_dashboard_json
  segment-datadog-exporter dashboard --sink prometheus --out grafana/ # Grafana: Dashboards → New → Import
  segment-datadog-exporter dashboard --sink newrelic --out newrelic/  # New Relic: Dashboards → Import dashboard`,
  );
  cmd.action(async (flags: AssetFlags) => {
    // Loaded when the command runs, not for --help or a usage error elsewhere (cold start).
    const { resolveAssets } = await import("../config/settings.js");
    const config = resolveAssets(flags, process.env);
    const { dashboardAsset, otherDashboardAsset } = await import("../dashboards/assets.js");
    if (await writeOtherSink(config, otherDashboardAsset)) return;
    const { buildDashboard } = await import("../dashboards/dashboard.js");
    const { dashboardProblems } = await import("../dashboards/validate.js");
    const dashboard = buildDashboard(assetOptionsOf(config));
    const problems = dashboardProblems(dashboard);
    if (problems.length > 0) throw new Error(`the dashboard definition is invalid: ${problems.join("; ")}`);
    if (writeOffline(config, dashboard, () => [dashboardAsset(dashboard)]) || !config.datadog) return;
    await withDatadogAssets({ ...config, datadog: config.datadog }, "the dashboard was", async (assets) => {
      printApplied(config, "dashboard", [await assets.applyDashboard(dashboard)]);
    });
  });
}
