// What `dashboard` and `monitors` share: their flags, the offline outputs (--dry-run, --out) and
// the summary of a real run (text, or one JSON document with --json).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import type { AssetConfig } from "../config/settings.js";
import type { AssetFile, OtherAsset, OtherSink } from "../dashboards/assets.js";
import type { AssetOptions } from "../dashboards/common.js";
import type { Applied, DatadogAssets } from "../datadog/assets.js";
import { PartialFailureError, UsageError } from "../errors.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addAssetOptions(cmd: Command): Command {
  return cmd
    .option(
      "--dry-run",
      "print the definitions as one JSON document (Datadog v1 API fields); send nothing, need no key",
    )
    .option(
      "--out <dir>",
      "write the definitions as files into DIR (for Terraform, a repo, or to import); send nothing",
    )
    .option(
      "--sink <name>",
      "datadog (default): Datadog's dashboard and monitors; newrelic: New Relic dashboard and NRQL alert conditions; prometheus: Grafana dashboard and Prometheus alerting rules. newrelic and prometheus write files to import (--out DIR) and send nothing",
    )
    .option("--json", "print one JSON summary on stdout: created / updated / unchanged, with ids and URLs")
    .option("--min-success-rate <rate>", "minimum success rate per connection, e.g. 0.99 or 99% (default 99%)")
    .option("--max-p95 <duration>", "maximum p95 time to success per connection (default 60s)")
    .option("--bucket <duration>", "the export's bucket length (default 5m): monitors wait for a bucket to arrive")
    .option("--delay <duration>", "the export's --delay (default 2m)")
    .option(
      "--historical",
      "as for export: Historical Metrics Ingestion is on for the prefix, so a --bucket/--delay past Datadog's 1h window is fine",
    )
    .option(
      "--reread <ages>",
      "with --sink newrelic or prometheus: the export's --reread (default 15m,40m); each bucket is sent at the last age, and the alerts wait for it",
    )
    .option("--events-group-by <list>", "event volume is split by event_name and/or event_type: show it per event")
    .option("--config <file>", "YAML or JSON config file: datadog, metricPrefix, tags, check and export sections")
    .option("--datadog-url <url>", "Datadog API base URL; overrides DD_SITE (env DD_API_URL)")
    .option("--datadog-site <site>", "Datadog site, e.g. datadoghq.eu (env DD_SITE; default datadoghq.com)")
    .option("--datadog-api-key-file <file>", "read the Datadog API key from a file (else DD_API_KEY)")
    .option("--datadog-app-key-file <file>", "read the Datadog application key from a file (else DD_APP_KEY)")
    .option("--metric-prefix <prefix>", "prefix the export uses (default segment_exporter)")
    .option(
      "--tag <key:value>",
      "the export's --tag tags: all go on the monitors, team: ones on the dashboard",
      collect,
    )
    .option("--request-timeout <duration>", "timeout of each HTTP request (default 30s)")
    .option("--log-level <level>", "trace, debug, info, warn, error, fatal or silent (default info)");
}

export function assetOptionsOf(config: AssetConfig): AssetOptions {
  return {
    prefix: config.prefix,
    tags: config.tags,
    minSuccessRate: config.minSuccessRate,
    maxP95Ms: config.maxP95Ms,
    minDeliveries: config.minDeliveries,
    bucketMs: config.bucketMs,
    delayMs: config.delayMs,
    sendAgeMs: config.sendAgeMs,
    eventsGroupBy: config.eventsGroupBy,
    notify: config.notify,
  };
}

/** What `--out DIR` holds now at a relative path, so unchanged files can be written back unchanged. */
export function previousFiles(dir: string | undefined): (path: string) => string | undefined {
  return (path) => {
    if (dir === undefined) return undefined;
    try {
      return readFileSync(join(dir, path), "utf8");
    } catch {
      return undefined; // absent (the usual case) or unreadable: written afresh, and a write error says why
    }
  };
}

/**
 * `--sink newrelic|prometheus`: the one file of the command (which --out requires), and with
 * --dry-run its document on stdout. Nothing is sent and no key is read.
 */
export async function writeOtherSink(
  config: AssetConfig,
  build: (sink: OtherSink, options: AssetOptions) => Promise<OtherAsset>,
): Promise<boolean> {
  if (config.sink === "datadog") return false;
  const { document, file } = await build(config.sink, assetOptionsOf(config));
  writeOffline(config, document, () => [file]);
  return true;
}

/** --dry-run and --out; true when one of them ran (then nothing is sent). */
export function writeOffline(config: AssetConfig, document: unknown, files: () => AssetFile[]): boolean {
  if (config.out !== undefined) {
    for (const file of files()) {
      const path = join(config.out, file.path);
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.content);
      } catch (error) {
        throw new UsageError(
          `--out: cannot write ${path} (${(error as { code?: string }).code ?? "error"}); check the folder`,
        );
      }
      process.stderr.write(`wrote ${path}\n`);
    }
  }
  if (config.dryRun) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  return config.dryRun || config.out !== undefined;
}

export function printApplied(config: AssetConfig, key: "dashboard" | "monitors", applied: Applied[]): void {
  if (config.json) {
    const document = key === "dashboard" ? { dashboard: applied[0] } : { monitors: applied };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  for (const a of applied) process.stdout.write(`${a.action.padEnd(9)} ${a.name}  ${a.url}\n`);
}

/**
 * Runs `apply` against Datadog with the dashboards/monitors client, closed afterwards. A definition
 * Datadog refused (AssetError) is exit 4 naming `what`; a rejected key stays exit 3.
 */
export async function withDatadogAssets(
  config: AssetConfig & { datadog: NonNullable<AssetConfig["datadog"]> },
  what: string,
  apply: (assets: DatadogAssets) => Promise<void>,
): Promise<void> {
  const { AssetError, DatadogAssets } = await import("../datadog/assets.js");
  const { createLogger } = await import("../log.js");
  const logger = createLogger({ level: config.logLevel });
  const assets = new DatadogAssets({ ...config.datadog, timeoutMs: config.requestTimeoutMs, logger });
  try {
    await apply(assets);
  } catch (error) {
    if (error instanceof AssetError) throw new PartialFailureError(`${what} not saved: ${error.message}; run again`);
    throw error;
  } finally {
    await assets.close();
  }
}
