// `export`: the cron job.
import type { Command } from "commander";
import { DEFAULT_EXPORT_MAX_DURATION } from "../config/defaults.js";
import type { ExportFlags } from "../config/settings.js";
import type { RunSummary } from "../domain.js";
import { PartialFailureError } from "../errors.js";
import { addRunOptions, addScheduleOptions } from "./options.js";

export function exportFailure(
  summary: Pick<RunSummary, "bucketsFailed" | "bucketsPending" | "failures" | "stopped">,
  resume = "the next run",
): PartialFailureError | undefined {
  if (summary.bucketsFailed === 0 && summary.bucketsPending === 0) return undefined;
  const parts = [];
  if (summary.bucketsFailed > 0) parts.push(`${summary.bucketsFailed} buckets failed after retries`);
  if (summary.bucketsPending > 0) {
    parts.push(`${summary.bucketsPending} buckets were not reached (${summary.stopped ?? "stopped"})`);
  }
  const first = summary.failures[0] ? `; first error: ${summary.failures[0]}` : "";
  return new PartialFailureError(`${parts.join(" and ")}; they stay pending for ${resume}${first}`);
}

export function registerExport(cmd: Command): void {
  cmd
    .description(
      "Reads delivery metrics of every source→destination connection and the workspace's event volume for each bucket that is due (first read after --delay, re-read at each --reread age), submits them to the sink and advances the checkpoint only for what the sink accepted. Datadog (the default) overwrites a point sent again; with --sink newrelic or --sink prometheus each bucket is read and sent once, at its last read age. Run it from cron every few minutes.",
    )
    .option("--delay <duration>", "wait this long after a bucket ends before its first read (default 2m)")
    .option(
      "--reread <durations>",
      "ages after a bucket's end at which it is read again (default 15m,40m; ages up to --delay are covered by the first read); New Relic and remote write read and send each bucket once, at the last age",
    )
    .option("--no-usage", "do not export daily MTU and API-call usage (read once per UTC day)");
  addScheduleOptions(cmd, DEFAULT_EXPORT_MAX_DURATION);
  addRunOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  SEGMENT_TOKEN=… DD_API_KEY=… segment-datadog-exporter export
  segment-datadog-exporter export --dry-run --source web        # print what would be sent
  */5 * * * *  segment-datadog-exporter export --max-duration 4m   # crontab line

Exit codes: 0 done, 2 bad usage/config/state (nothing sent), 3 credential rejected,
4 some buckets failed or were not reached (they stay pending), 6 another run holds the lock.`,
  );
  cmd.action(async (flags: ExportFlags) => {
    // Loaded when the command runs, not for --help or a usage error elsewhere (cold start).
    const { resolveExport } = await import("../config/settings.js");
    const config = resolveExport(flags, process.env);
    const { createLogger } = await import("../log.js");
    const { runExport } = await import("../run/export.js");
    // A long run would grow V8's young generation to twice what a short one uses (young-generation.ts).
    (await import("../young-generation.js")).capYoungGeneration();
    const { stopOnSignals } = await import("../run/signals.js");
    const { createProgress } = await import("./progress.js");
    const logger = createLogger({ level: config.logLevel });
    // A person at a terminal sees a long first run move; cron's logs stay one line per run.
    const progress = createProgress(process.stderr.isTTY && !config.dryRun ? "bar" : "none", "export");
    const stop = stopOnSignals();
    const summary = await runExport(config, {
      now: Date.now,
      logger,
      stdout: (text) => process.stdout.write(text),
      signal: stop.signal,
      onPlanned: (n) => progress.start(n),
      onProgress: (n) => progress.tick(n),
    }).finally(() => {
      progress.stop();
      stop.dispose();
    });
    const { describeRun } = await import("../run/summary.js");
    logger.info(
      {
        workspaces: summary.workspaces.map((w) => w.workspace),
        connections: summary.connections,
        sources: summary.sources,
        exported: summary.exportedBy,
        reread: summary.bucketsReread,
        failed: summary.bucketsFailed,
        missed: summary.bucketsMissed,
        lagSeconds: summary.lagMs === undefined ? undefined : Math.round(summary.lagMs / 1000),
        points: summary.points,
        ...(summary.pointsRejected > 0 ? { rejected: summary.pointsRejected } : {}),
        sinkRequests: summary.sinkRequests,
        segmentCalls: summary.segmentCalls,
        nextDueAt: summary.nextDueAt,
      },
      describeRun(summary, Date.now()),
    );
    const failure = exportFailure(summary);
    if (failure) throw failure;
  });
}
