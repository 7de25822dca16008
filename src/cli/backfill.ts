// `backfill --from T --to T`: a one-off historical export, resumable, with progress.
import type { Command } from "commander";
import type { BackfillFlags } from "../config/settings.js";
import { exportFailure } from "./export.js";
import { addRunOptions, addScheduleOptions } from "./options.js";

export function registerBackfill(cmd: Command): void {
  cmd
    .description(
      "Exports every bucket of [--from, --to) for every connection and the event volume, oldest first, with the finest granularity each bucket's age allows and requests chunked to the maximum ranges. Progress is checkpointed: after Ctrl-C or a crash, run the same command again to continue. Shares the lock with export. Points older than 1h need Historical Metrics Ingestion in Datadog and --historical.",
    )
    .option("--from <time>", "required: start of the window: ISO 8601, now, or relative (-6h, -2d)")
    .option(
      "--to <time>",
      "end of the window (default now; buckets that ended less than --delay ago are left out, their numbers have not settled)",
    )
    .option("--delay <duration>", "leave out buckets that ended less than this long ago (default 2m, as export)")
    .option("--json", "print one JSON summary on stdout and no progress");
  addScheduleOptions(cmd);
  addRunOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  segment-datadog-exporter backfill --from -45m                   # inside Datadog's 1h window
  segment-datadog-exporter backfill --from -3h --historical       # older points need Historical Metrics Ingestion
  segment-datadog-exporter backfill --from -2d --to -1d --bucket 1h --historical --state hourly.json --json   # another --bucket: its own state`,
  );
  cmd.action(async (flags: BackfillFlags) => {
    // Loaded when the command runs, not for --help or a usage error elsewhere (cold start).
    const { resolveBackfill } = await import("../config/settings.js");
    const config = resolveBackfill(flags, process.env, Date.now());
    const { createLogger } = await import("../log.js");
    const { runBackfill } = await import("../run/backfill.js");
    // A long run would grow V8's young generation to twice what a short one uses (young-generation.ts).
    (await import("../young-generation.js")).capYoungGeneration();
    const { stopOnSignals } = await import("../run/signals.js");
    const { createProgress } = await import("./progress.js");
    const logger = createLogger({ level: config.logLevel });
    const progress = createProgress(flags.json ? "none" : process.stderr.isTTY ? "bar" : "lines", "backfill");
    const stop = stopOnSignals();
    const summary = await runBackfill(config, {
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
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    const { describeRun } = await import("../run/summary.js");
    const window = summary.backfill;
    logger.info(
      {
        exported: summary.exportedBy,
        failed: summary.bucketsFailed,
        pending: summary.bucketsPending,
        points: summary.points,
      },
      `backfill ${window?.from} … ${window?.to}${window?.resumed ? " (resumed)" : ""}: ${describeRun(summary, Date.now())}`,
    );
    const failure = exportFailure(summary, "a rerun of the same command, which resumes where this one stopped");
    if (failure) throw failure;
  });
}
