// `check`: a CI smoke check of a (test) workspace → exit 0 when every threshold holds, 5 when not.
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { CheckFlags } from "../config/settings.js";
import { PartialFailureError, ThresholdError, UsageError } from "../errors.js";
import { addRunOptions } from "./options.js";

export function registerCheck(cmd: Command): void {
  cmd
    .description(
      "Verifies the Segment token and the Datadog API key (each named if it fails: exit 3), lists the connections, reads exactly [now − window, now) and evaluates the thresholds per connection and per source. Exit 0 when all hold, 5 when one fails. Also shows Error Details: per connection the top reasons deliveries failed (from Segment's Delivery Overview), their count and when each was last seen; they never change the exit code.",
    )
    .option("--window <duration>", "how far back to look (default 1h)")
    .option(
      "--min-success-rate <rate>",
      "successes / (successes + discarded + expired) per connection, e.g. 0.99 or 99% (default 99%, as the monitors; off: no minimum)",
    )
    .option(
      "--max-p95 <duration>",
      "largest acceptable p95 time to success per connection, e.g. 30s (default 60s, as the monitors; off: no maximum)",
    )
    .option(
      "--min-deliveries <n>",
      "judge a connection's success rate only from this many deliveries in the window (default 20, as the monitors)",
    )
    .option("--min-events <n>", "smallest acceptable event volume per source over the window (default: no minimum)")
    .option("--json", "print one JSON document on stdout")
    .option("--junit <file>", "write JUnit XML: one test case per connection and per source")
    .option("--submit", "also export the window's complete buckets to Datadog (as export would)")
    .option("--historical", "with --submit: Historical Metrics Ingestion is on, send buckets older than 1h too")
    .option(
      "--no-pipeline",
      "do not read the pipeline steps from Delivery Overview (config export.pipeline: false); they never change the exit code",
    )
    .option(
      "--no-error-details",
      "do not read failed deliveries by reason from Delivery Overview (config export.errorDetails: false); a token without access only gets a warning",
    );
  addRunOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  segment-datadog-exporter check --min-success-rate 99% --max-p95 30s --min-events 1
  segment-datadog-exporter check --window 30m --junit segment-check.xml --json > check.json`,
  );
  cmd.action(async (flags: CheckFlags) => {
    // Loaded when the command runs, not for --help or a usage error elsewhere (cold start).
    const { resolveCheck } = await import("../config/settings.js");
    const now = Date.now();
    const config = resolveCheck(flags, process.env, now);
    const { createLogger } = await import("../log.js");
    const { runCheck } = await import("../check/run.js");
    const { submitCheckedWindow } = await import("../check/submit.js");
    const { jsonReporter, junitReporter, tableReporter } = await import("../check/reporters.js");
    const logger = createLogger({ level: config.logLevel });
    const report = await runCheck(config, { now: () => now, logger });
    if (config.junit) {
      try {
        writeFileSync(config.junit, junitReporter.render(report));
      } catch (error) {
        throw new UsageError(
          `--junit: cannot write ${config.junit} (${(error as { code?: string }).code ?? "error"}); check the folder`,
        );
      }
    }
    const submitFailure = config.submit ? await submitCheckedWindow(config, now, logger) : undefined;
    process.stdout.write((config.json ? jsonReporter : tableReporter(config.windowMs)).render(report));
    if (!report.ok) {
      const failed = [...report.connections, ...report.sources].filter((r) => !r.ok);
      const first = failed[0];
      const name =
        first && "destinationId" in first ? `${first.source} → ${first.destinationId}` : `${first?.source} events`;
      // Names from the network are escaped where every error line is printed (describeFailure).
      throw new ThresholdError(`${failed.length} check(s) failed; first: ${name}: ${first?.failures[0]}`);
    }
    if (submitFailure) throw new PartialFailureError(submitFailure);
  });
}
