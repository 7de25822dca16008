// `demo`: the whole pipeline against the embedded emulators (Segment, and the chosen sink's), no credentials. The data clock is
// frozen for the demo's few seconds so the check against the ground truth is exact.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import type { ExportConfig } from "../config/settings.js";
import type { SinkConfig } from "../config/sink.js";
import type { StoredPoint } from "../emulator/datadog/types.js";
import type { Emulators } from "../emulator/index.js";
import type { Naming } from "../emulator/verify.js";
import { FAILED_SERIES_SUFFIX } from "../mapping/failures.js";
import { PIPELINE_SERIES } from "../mapping/pipeline.js";
import { DEFAULT_PREFIX } from "../mapping/prefix.js";
import type { MetricUnit } from "../mapping/types.js";
import { alignDown } from "../plan/buckets.js";
import { freshStart, stagesOf } from "../plan/schedule.js";
// Static, not a dynamic import: the CLI bundle (scripts/shared-chunk.mjs) put a module that is both
// imported dynamically and reached statically from the sink registry after the registry, which
// then read it before it was defined.
import { DEFAULT_REMOTE_WRITE_MAX_AGE_MS } from "../sinks/prometheus/index.js";
import { renderTable } from "../table.js";

/** What the demo needs of the chosen sink's emulator: its settings, its store seen as points, its naming. */
interface DemoTarget {
  label: string;
  url: string;
  sink: SinkConfig;
  points(): StoredPoint[];
  naming: Naming;
}

async function demoTarget(name: string, emulators: Emulators): Promise<DemoTarget> {
  const verify = await import("../emulator/verify.js");
  const { DEFAULT_DD_SITE } = await import("../config/settings.js");
  if (name === "newrelic") {
    const store = verify.newRelicPoints(emulators.newrelic);
    return {
      label: "New Relic Metric API emulator",
      url: emulators.newrelic.url,
      sink: {
        name: "newrelic",
        settings: {
          licenseKey: emulators.newrelic.licenseKey,
          url: emulators.newrelic.metricUrl,
          origin: { url: "the demo", key: "the demo" },
        },
      },
      points: () => store.all(),
      naming: verify.AS_SENT,
    };
  }
  if (name === "prometheus") {
    const maxAgeMs = DEFAULT_REMOTE_WRITE_MAX_AGE_MS;
    const store = verify.remoteWritePoints(() => emulators.prometheus.series());
    return {
      label: "remote-write receiver emulator",
      url: emulators.prometheus.url,
      sink: {
        name: "prometheus",
        maxAgeMs,
        settings: {
          url: emulators.prometheus.writeUrl,
          maxAgeMs,
          origin: { url: "the demo", credentials: "the demo" },
        },
      },
      points: () => store.all(),
      naming: verify.REMOTE_WRITE_NAMING,
    };
  }
  return {
    label: "Datadog intake emulator",
    url: emulators.datadog.url,
    sink: {
      name: "datadog",
      settings: { apiKey: emulators.datadog.apiKey, site: DEFAULT_DD_SITE, apiUrl: emulators.datadog.url },
    },
    points: () => emulators.datadog.store.all(),
    naming: verify.AS_SENT,
  };
}

export function registerDemo(cmd: Command): void {
  cmd
    .description(
      "Starts a local Segment Public API emulator and a local intake emulator of the sink (Datadog by default; New Relic's Metric API or a Prometheus remote-write receiver with --sink) on loopback, runs `export` against them with a fresh state file, prints what was exported, and checks every stored point against the Segment emulator's ground truth.",
    )
    .option("--sink <name>", "the backend to export to: datadog, newrelic or prometheus (default datadog)")
    .option("--json", "print one JSON document instead of tables")
    .option("--log-level <level>", "log level of the export run (default warn)")
    .action(async (flags: { json?: boolean; logLevel?: string; sink?: string }) => {
      // Loaded when the command runs, not for --help or a usage error elsewhere (cold start).
      const { parseLogLevel, resolveSchedule } = await import("../config/settings.js");
      // Validated before the emulators start: a bad level or sink is exit 2 like everywhere else.
      const logLevel = parseLogLevel(
        flags.logLevel === undefined ? undefined : { value: flags.logLevel, from: "--log-level" },
      );
      // The chosen sink's schedule: a sink that takes each point once is sent at the last read age.
      const schedule = resolveSchedule(flags.sink === undefined ? {} : { sink: flags.sink }, {});
      const { startEmulators } = await import("../emulator/index.js");
      const { checkDelivery, checkEventVolume, checkFailures, checkPipeline, checkUsage } = await import(
        "../emulator/verify.js"
      );
      const { createLogger } = await import("../log.js");
      const { runExport } = await import("../run/export.js");
      const { describeRun } = await import("../run/summary.js");
      const { backendOf, sinkAge } = await import("../config/sink.js");
      const now = Date.now();
      const emulators = await startEmulators({
        segment: { now: () => now },
        datadog: { now: () => now },
        newrelic: { now: () => now },
        prometheus: { now: () => now },
      });
      const stateDir = await mkdtemp(join(tmpdir(), "segment-datadog-exporter-demo-"));
      try {
        const target = await demoTarget(flags.sink?.trim().toLowerCase() ?? "datadog", emulators);
        const config: ExportConfig = {
          workspaces: [
            {
              label: "demo",
              token: emulators.segment.token,
              apiUrl: emulators.segment.url,
              include: [],
              exclude: [],
              tags: [],
            },
          ],
          sink: target.sink,
          prefix: DEFAULT_PREFIX,
          tags: [],
          statePath: join(stateDir, "state.json"),
          dryRun: false,
          logLevel: flags.logLevel === undefined ? "warn" : logLevel,
          concurrency: 8,
          requestTimeoutMs: 10_000,
          rateLimits: {},
          schedule,
          eventVolume: true,
          usage: true,
          errorDetails: true,
          pipeline: true,
          eventsGroupBy: [],
        };
        const summary = await runExport(config, {
          now: () => now,
          logger: createLogger({ level: config.logLevel }),
          stdout: (text) => process.stdout.write(text),
        });
        // The buckets a fresh export sends: from the fresh start (no further back than the sink takes)
        // to the newest whose (first, or only) read is due.
        const reach = backendOf(target.sink).backend.oldestAcceptedMs(now, sinkAge(target.sink, false));
        const window = {
          prefix: DEFAULT_PREFIX,
          bucketMs: schedule.bucketMs,
          from: freshStart(schedule, now, reach),
          to: alignDown(now - (stagesOf(schedule)[0]?.ageMs ?? 0), schedule.bucketMs),
          at: now,
          naming: target.naming,
        };
        const store = { all: target.points };
        const delivery = checkDelivery(emulators.segment, store, window);
        const events = checkEventVolume(emulators.segment, store, window);
        const failures = checkFailures(emulators.segment, store, window);
        const pipeline = checkPipeline(emulators.segment, store, window);
        const usage = checkUsage(emulators.segment, store, {
          prefix: DEFAULT_PREFIX,
          at: now,
          timestamp: Math.floor(now / 1000),
          naming: target.naming,
        });
        const problems = [
          ...delivery.problems,
          ...events.problems,
          ...failures.problems,
          ...pipeline.problems,
          ...usage.problems,
        ];
        const report = {
          segmentUrl: emulators.segment.url,
          sink: target.sink.name,
          sinkUrl: target.url,
          ...(target.sink.name === "datadog" ? { datadogUrl: target.url } : {}),
          window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
          connections: summary.connections,
          sources: summary.sources,
          buckets: summary.bucketsExported,
          bucketsBy: summary.exportedBy,
          points: summary.points,
          sinkRequests: summary.sinkRequests,
          ...(target.sink.name === "datadog" ? { datadogRequests: summary.sinkRequests } : {}),
          segmentCalls: summary.segmentCalls,
          summary: describeRun(summary, now),
          checkedAgainstTruth: delivery.checked + events.checked + failures.checked + pipeline.checked + usage.checked,
          problems,
        };
        if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else process.stdout.write(humanReport(report, target, emulators.segment.fixture));
        if (problems.length > 0)
          throw new Error(`demo: ${problems.length} points differ from the ground truth: ${problems[0]}`);
      } finally {
        await rm(stateDir, { recursive: true, force: true });
        await emulators.close();
      }
    });
}

function tagValue(tags: readonly string[], key: string): string {
  return tags.find((t) => t.startsWith(`${key}:`))?.slice(key.length + 1) ?? "";
}

function humanReport(
  report: { segmentUrl: string; sinkUrl: string; window: { from: string; to: string } } & Record<string, unknown>,
  target: DemoTarget,
  fixture: import("../emulator/segment/fixture.js").WorkspaceFixture,
): string {
  const points = target.points();
  /** A series of design §5's table as the sink names it. */
  const name = (metric: string, unit?: MetricUnit) => target.naming.metric(`${DEFAULT_PREFIX}.${metric}`, unit);
  const sum = (metric: string, key: string, value: string) =>
    points.filter((p) => p.metric === name(metric) && tagValue(p.tags, key) === value).reduce((n, p) => n + p.value, 0);
  /** The largest latency, in ms whatever unit the sink stores it in. */
  const maxMs = (metric: string, key: string, value: string) =>
    Math.max(
      0,
      ...points
        .filter((p) => p.metric === name(metric, "milliseconds") && tagValue(p.tags, key) === value)
        .map((p) => (p.value / target.naming.value(1000, "milliseconds")) * 1000),
    );
  const connections = [
    ...new Set(
      points.filter((p) => p.metric.startsWith(name("delivery"))).map((p) => tagValue(p.tags, "destination_id")),
    ),
  ].filter((id) => id !== "");
  /** The reason with the most of a series for one entity, as `reason (count)`. */
  const topReason = (metric: string, key: string, id: string) => {
    const byReason = new Map<string, number>();
    for (const p of points) {
      if (p.metric !== name(metric) || tagValue(p.tags, key) !== id) continue;
      const reason = tagValue(p.tags, "reason");
      byReason.set(reason, (byReason.get(reason) ?? 0) + p.value);
    }
    const [reason, count] = [...byReason].sort((a, b) => b[1] - a[1])[0] ?? [];
    return reason === undefined ? "—" : `${reason} (${count})`;
  };
  // Names as Segment has them (Datadog lowercases tag values): the same names `check` shows (issue #22).
  const sourceSlug = new Map(fixture.sources.map((src) => [src.id.toLowerCase(), src.slug]));
  const destinationName = new Map(fixture.destinations.map((d) => [d.id.toLowerCase(), d.name || d.catalog.name]));
  const rows = connections.map((id) => {
    const sample = points.find((p) => tagValue(p.tags, "destination_id") === id);
    const tags = sample?.tags ?? [];
    const source = sourceSlug.get(tagValue(tags, "source_id")) ?? tagValue(tags, "source_slug");
    return [
      `${source} → ${destinationName.get(id) ?? tagValue(tags, "destination")}`,
      String(sum("delivery.successes", "destination_id", id)),
      String(sum("delivery.successes.after_retry", "destination_id", id)),
      String(sum("delivery.discarded", "destination_id", id)),
      `${maxMs("delivery.time_to_success.p95", "destination_id", id)} ms`,
      topReason(FAILED_SERIES_SUFFIX, "destination_id", id),
      topReason(PIPELINE_SERIES.filteredAtDestination, "destination_id", id),
    ];
  });
  const sources = [
    ...new Set(points.filter((p) => p.metric === name("events.volume")).map((p) => tagValue(p.tags, "source_id"))),
  ];
  const eventRows = sources.map((id) => [
    sourceSlug.get(id) ?? id,
    String(sum("events.volume", "source_id", id)),
    String(sum(PIPELINE_SERIES.received, "source_id", id)),
    topReason(PIPELINE_SERIES.ingestFailed, "source_id", id),
    topReason(PIPELINE_SERIES.filteredAtSource, "source_id", id),
  ]);
  const problems = report.problems as string[];
  return [
    `Segment API emulator ${report.segmentUrl} → export → ${target.label} ${report.sinkUrl}`,
    `Window ${report.window.from} … ${report.window.to}: ${report.summary}.`,
    "",
    renderTable(
      [
        "CONNECTION",
        "DELIVERED",
        "AFTER RETRY",
        "DISCARDED",
        "WORST P95 TIME TO SUCCESS",
        "TOP FAILURE REASON",
        "TOP DESTINATION FILTER",
      ],
      rows,
    ),
    renderTable(["SOURCE", "EVENTS", "RECEIVED", "TOP INGEST FAILURE", "TOP SOURCE FILTER"], eventRows),
    problems.length === 0
      ? `All ${report.checkedAgainstTruth} stored points match the Segment emulator's ground truth exactly (counts as counts, latencies as gauges, failures by reason, the pipeline steps).`
      : `${problems.length} points differ from the ground truth.`,
    "Next: `segment-datadog-exporter sandbox` starts the emulators and prints settings to try export, destinations and --dry-run yourself.",
    "",
  ].join("\n");
}
