// `demo`: the whole pipeline against both embedded emulators, no credentials. The data clock is
// frozen for the demo's few seconds so the check against the ground truth is exact.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import type { ExportConfig } from "../config/settings.js";
import { FAILED_SERIES_SUFFIX } from "../mapping/failures.js";
import { PIPELINE_SERIES } from "../mapping/pipeline.js";
import { DEFAULT_PREFIX } from "../mapping/prefix.js";
import { alignDown } from "../plan/buckets.js";
import { initialWatermark } from "../plan/schedule.js";
import { renderTable } from "../table.js";

export function registerDemo(cmd: Command): void {
  cmd
    .description(
      "Starts a local Segment Public API emulator and a local Datadog intake emulator on loopback, runs `export` against them with a fresh state file, prints what was exported, and checks every stored point against the Segment emulator's ground truth.",
    )
    .option("--json", "print one JSON document instead of tables")
    .option("--log-level <level>", "log level of the export run (default warn)")
    .action(async (flags: { json?: boolean; logLevel?: string }) => {
      // Loaded when the command runs, not for --help or a usage error elsewhere (cold start).
      const { DEFAULT_DD_SITE, parseLogLevel, resolveSchedule } = await import("../config/settings.js");
      // Validated before the emulators start: a bad level is exit 2 like everywhere else.
      const logLevel = parseLogLevel(
        flags.logLevel === undefined ? undefined : { value: flags.logLevel, from: "--log-level" },
      );
      const { startEmulators } = await import("../emulator/index.js");
      const { checkDelivery, checkEventVolume, checkFailures, checkPipeline, checkUsage } = await import(
        "../emulator/verify.js"
      );
      const { createLogger } = await import("../log.js");
      const { runExport } = await import("../run/export.js");
      const { describeRun } = await import("../run/summary.js");
      const schedule = resolveSchedule({}, {});
      const now = Date.now();
      const emulators = await startEmulators({ segment: { now: () => now }, datadog: { now: () => now } });
      const stateDir = await mkdtemp(join(tmpdir(), "segment-datadog-exporter-demo-"));
      try {
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
          sink: {
            name: "datadog",
            settings: { apiKey: emulators.datadog.apiKey, site: DEFAULT_DD_SITE, apiUrl: emulators.datadog.url },
          },
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
        const window = {
          prefix: DEFAULT_PREFIX,
          bucketMs: schedule.bucketMs,
          from: initialWatermark(schedule, now),
          to: alignDown(now - schedule.delayMs, schedule.bucketMs),
          at: now,
        };
        const delivery = checkDelivery(emulators.segment, emulators.datadog.store, window);
        const events = checkEventVolume(emulators.segment, emulators.datadog.store, window);
        const failures = checkFailures(emulators.segment, emulators.datadog.store, window);
        const pipeline = checkPipeline(emulators.segment, emulators.datadog.store, window);
        const usage = checkUsage(emulators.segment, emulators.datadog.store, {
          prefix: DEFAULT_PREFIX,
          at: now,
          timestamp: Math.floor(now / 1000),
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
          datadogUrl: emulators.datadog.url,
          window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
          connections: summary.connections,
          sources: summary.sources,
          buckets: summary.bucketsExported,
          bucketsBy: summary.exportedBy,
          points: summary.points,
          datadogRequests: summary.sinkRequests,
          segmentCalls: summary.segmentCalls,
          summary: describeRun(summary, now),
          checkedAgainstTruth: delivery.checked + events.checked + failures.checked + pipeline.checked + usage.checked,
          problems,
        };
        if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else process.stdout.write(humanReport(report, emulators.datadog.store.all(), emulators.segment.fixture));
        if (problems.length > 0)
          throw new Error(`demo: ${problems.length} points differ from the ground truth: ${problems[0]}`);
      } finally {
        await rm(stateDir, { recursive: true, force: true });
        await emulators.close();
      }
    });
}

type StoredPoints = ReturnType<import("../emulator/datadog/types.js").PointStore["all"]>;

function tagValue(tags: readonly string[], key: string): string {
  return tags.find((t) => t.startsWith(`${key}:`))?.slice(key.length + 1) ?? "";
}

function humanReport(
  report: { segmentUrl: string; datadogUrl: string; window: { from: string; to: string } } & Record<string, unknown>,
  points: StoredPoints,
  fixture: import("../emulator/segment/fixture.js").WorkspaceFixture,
): string {
  const sum = (metric: string, key: string, value: string) =>
    points
      .filter((p) => p.metric === `${DEFAULT_PREFIX}.${metric}` && tagValue(p.tags, key) === value)
      .reduce((n, p) => n + p.value, 0);
  const maxOf = (metric: string, key: string, value: string) =>
    Math.max(
      0,
      ...points
        .filter((p) => p.metric === `${DEFAULT_PREFIX}.${metric}` && tagValue(p.tags, key) === value)
        .map((p) => p.value),
    );
  const connections = [
    ...new Set(points.filter((p) => p.metric.includes(".delivery.")).map((p) => tagValue(p.tags, "destination_id"))),
  ];
  /** The reason with the most of a series for one entity, as `reason (count)`. */
  const topReason = (metric: string, key: string, id: string) => {
    const byReason = new Map<string, number>();
    for (const p of points) {
      if (p.metric !== `${DEFAULT_PREFIX}.${metric}` || tagValue(p.tags, key) !== id) continue;
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
      `${maxOf("delivery.time_to_success.p95", "destination_id", id)} ms`,
      topReason(FAILED_SERIES_SUFFIX, "destination_id", id),
      topReason(PIPELINE_SERIES.filteredAtDestination, "destination_id", id),
    ];
  });
  const sources = [
    ...new Set(points.filter((p) => p.metric.endsWith(".events.volume")).map((p) => tagValue(p.tags, "source_id"))),
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
    `Segment API emulator ${report.segmentUrl} → export → Datadog intake emulator ${report.datadogUrl}`,
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
