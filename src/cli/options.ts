// The settings flags of design §5, shared by every command that talks to the services.
import type { Command } from "commander";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addSegmentOptions(cmd: Command): Command {
  return cmd
    .option("--config <file>", "YAML or JSON file with several workspaces and defaults (env SEGMENT_EXPORTER_CONFIG)")
    .option("--segment-url <url>", "Segment API base URL (env SEGMENT_API_URL; EU: https://eu1.api.segmentapis.com)")
    .option("--segment-token-file <file>", "read the Segment token from a file (else env SEGMENT_TOKEN)")
    .option("--source <id-or-slug>", "only this source (repeatable; default: every source)", collect)
    .option("--concurrency <n>", "Segment requests in flight at once (default 16)")
    .option(
      "--rate-limit <endpoint=n>",
      "a fixed Segment limit per minute for an endpoint (repeatable); events-volume=60 is built in, others follow X-RateLimit-Remaining",
      collect,
    )
    .option(
      "--request-timeout <duration>",
      "timeout of each HTTP request, headers and body together (default 30s, at most 5m)",
    )
    .option("--log-level <level>", "trace, debug, info, warn, error, fatal or silent (default info)");
}

export function addDatadogOptions(cmd: Command): Command {
  return cmd
    .option("--datadog-url <url>", "Datadog API base URL; overrides DD_SITE (env DD_API_URL)")
    .option("--datadog-site <site>", "Datadog site, e.g. datadoghq.eu (env DD_SITE; default datadoghq.com)")
    .option("--datadog-api-key-file <file>", "read the Datadog API key from a file (else DD_API_KEY)")
    .option("--metric-prefix <prefix>", "prefix of every series (default segment_exporter)")
    .option("--tag <key:value>", "tag added to every series (repeatable)", collect)
    .option("--state <file>", "checkpoint file (default ~/.local/state/segment-datadog-exporter/state.json)")
    .option("--dry-run", "print the series as NDJSON on stdout; submit nothing, change no state");
}

/** `--sink` and the settings of the backends besides Datadog (design §5, Sinks); secrets only from files or the environment. */
export function addSinkOptions(cmd: Command): Command {
  return cmd
    .option(
      "--sink <name>",
      "where points go: datadog, newrelic or prometheus (remote write) (env SEGMENT_EXPORTER_SINK; default datadog); one per --state file",
    )
    .option(
      "--newrelic-license-key-file <file>",
      "read the New Relic license key from a file (else NEW_RELIC_LICENSE_KEY); region from NEW_RELIC_REGION (us, eu, fedramp)",
    )
    .option(
      "--newrelic-url <url>",
      "New Relic Metric API endpoint; overrides the region (env NEW_RELIC_METRIC_API_URL)",
    )
    .option(
      "--remote-write-url <url>",
      "remote-write endpoint, e.g. https://…/api/v1/write (env PROMETHEUS_REMOTE_WRITE_URL)",
    )
    .option(
      "--remote-write-password-file <file>",
      "read the basic-auth password from a file (else PROMETHEUS_REMOTE_WRITE_PASSWORD; user in PROMETHEUS_REMOTE_WRITE_USERNAME)",
    )
    .option(
      "--remote-write-bearer-token-file <file>",
      "read a bearer token from a file (else PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN); tenant: PROMETHEUS_REMOTE_WRITE_TENANT",
    )
    .option(
      "--remote-write-max-age <duration>",
      "oldest sample the receiver takes (default 55m, a default Prometheus); raise it for out-of-order ingestion",
    );
}

export function addShardOption(cmd: Command): Command {
  return cmd.option(
    "--shard <i/n>",
    "take only the connections of shard i (0-based) of n, e.g. 0/3 (own --state per shard)",
  );
}

export function addScheduleOptions(cmd: Command, maxDurationDefault?: string): Command {
  const byDefault = maxDurationDefault ? ` (default ${maxDurationDefault})` : " (default: none)";
  return cmd
    .option("--bucket <duration>", "bucket length, epoch-aligned (default 5m)")
    .option(
      "--historical",
      "Datadog's Historical Metrics Ingestion is enabled for the prefix: re-read and write points older than 1h (Datadog only)",
    )
    .option(
      "--max-duration <duration>",
      `stop cleanly before this much time has passed, checkpoint what is done, exit 4 if work remains${byDefault}; at most 24d`,
    )
    .option("--no-event-volume", "do not export event volume")
    .option(
      "--no-error-details",
      "do not export failures by reason (<prefix>.delivery.failed, from Segment's Delivery Overview)",
    )
    .option(
      "--no-pipeline",
      "do not export the pipeline steps (<prefix>.pipeline.*: received, failed on ingest, filtered at source and at destination)",
    )
    .option("--events-group-by <list>", "also split event volume by event_name and/or event_type (comma-separated)");
}

/** The settings of every command that reads Segment and writes to a sink. */
export function addRunOptions(cmd: Command): Command {
  return addSinkOptions(addDatadogOptions(addSegmentOptions(addShardOption(cmd))));
}
