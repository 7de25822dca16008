// `monitors`: create or update the recommended monitors (design §5).
import type { Command } from "commander";
import type { AssetFlags } from "../config/settings.js";
import { PartialFailureError } from "../errors.js";
import {
  addAssetOptions,
  assetOptionsOf,
  previousFiles,
  printApplied,
  withDatadogAssets,
  writeOffline,
  writeOtherSink,
} from "./assets.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerMonitors(cmd: Command): void {
  cmd
    .description(
      "Creates or updates five monitors: success rate per connection below --min-success-rate (connections with at least --min-deliveries deliveries in the window), p95 time to success per connection above --max-p95 in at least half of the window's buckets, exporter stopped (no heartbeat), exporter lagging, buckets missed. They carry the tag managed_by:segment-datadog-exporter and are found again by it and their name, so a changed threshold updates the same monitor. Messages link to the managed dashboard: run `dashboard` first and the link is the dashboard itself, else Datadog's dashboard search for its title. Needs DD_API_KEY and DD_APP_KEY, unless --dry-run or --out. With --sink prometheus it writes the same five as DIR/prometheus-rules.yml (Prometheus alerting rules), with --sink newrelic as DIR/newrelic-alerts.json (NRQL alert conditions): files to import, nothing is sent.",
    )
    .option("--notify <@handle>", "append this handle to every monitor's message (repeatable)", collect)
    .option(
      "--min-deliveries <n>",
      "a connection's success rate alerts only with at least N deliveries (successes + discarded + expired) in the monitor's window; config check.minDeliveries (default 20)",
    );
  addAssetOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  segment-datadog-exporter monitors --min-success-rate 99.5% --max-p95 30s --notify @slack-data-alerts
  segment-datadog-exporter monitors --min-deliveries 100          # rate alerts from 100 deliveries an hour
  segment-datadog-exporter monitors --dry-run | jq '.[].query'
  segment-datadog-exporter monitors --out datadog/                    # one monitor template per file
  segment-datadog-exporter monitors --sink prometheus --out prometheus/ --notify @team-data   # rule_files: entry
  segment-datadog-exporter monitors --sink newrelic --out newrelic/   # NRQL alert conditions`,
  );
  cmd.action(async (flags: AssetFlags) => {
    // Loaded when the command runs, not for --help or a usage error elsewhere (cold start).
    const { resolveAssets } = await import("../config/settings.js");
    const config = resolveAssets(flags, process.env);
    const { monitorAssets, otherMonitorsAsset } = await import("../dashboards/assets.js");
    if (await writeOtherSink(config, otherMonitorsAsset)) return;
    const { buildMonitors } = await import("../dashboards/monitors.js");
    const { dashboardSearchPath, dashboardTitle } = await import("../dashboards/common.js");
    const options = assetOptionsOf(config);
    const day = new Date().toISOString().slice(0, 10);
    const offline = () => monitorAssets(options, day, previousFiles(config.out));
    if (writeOffline(config, buildMonitors(options), offline) || !config.datadog) return;
    await withDatadogAssets({ ...config, datadog: config.datadog }, "the monitors were", async (assets) => {
      const title = dashboardTitle(options.prefix);
      const dashboardUrl = await assets.dashboardLink(title, dashboardSearchPath(options.prefix));
      const { applied, failed } = await assets.applyMonitors(buildMonitors({ ...options, dashboardUrl }));
      printApplied(config, "monitors", applied);
      if (failed.length > 0)
        throw new PartialFailureError(`${failed.length} monitor(s) not saved; first: ${failed[0]}; run again`);
    });
  });
}
