// `check --submit`: export the complete buckets of the checked window, exactly as export and
// backfill would (same buckets, timestamps and tags, so nothing is counted twice). It uses a
// throwaway progress file rather than the cron job's state, so it never disturbs a backfill that
// is paused there; re-sent points overwrite.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { DEFAULT_BUCKET } from "../config/schedule.js";
import { backendOf, sinkAge } from "../config/sink.js";
import type { CheckConfig } from "../config/types.js";
import { alignDown, alignUp } from "../plan/buckets.js";
import { runBackfill } from "../run/backfill.js";
import { parseDuration } from "../time.js";

/** Returns why the submission failed, or undefined when everything was accepted. */
export async function submitCheckedWindow(
  config: CheckConfig,
  now: number,
  logger: Logger,
): Promise<string | undefined> {
  const bucketMs = parseDuration(DEFAULT_BUCKET, "--bucket");
  const { backend } = backendOf(config.sink);
  const earliest = Math.max(
    now - config.windowMs,
    backend.oldestAcceptedMs(now, sinkAge(config.sink, config.historical)),
  );
  const window = { start: alignUp(earliest, bucketMs), end: alignDown(now, bucketMs) };
  if (window.end <= window.start) {
    logger.warn(`--submit: the window holds no complete bucket ${backend.label} would still accept; nothing submitted`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), "segment-datadog-exporter-check-"));
  try {
    const summary = await runBackfill(
      {
        ...config,
        statePath: join(dir, "state.json"),
        window,
        schedule: { bucketMs, delayMs: 0, rereadMs: [], historical: config.historical },
        eventVolume: true,
        usage: false,
        eventsGroupBy: [],
        errorDetails: config.errorDetails,
      },
      { now: () => now, logger, stdout: () => {} },
    );
    logger.info(
      { exported: summary.bucketsExported, failed: summary.bucketsFailed, points: summary.points },
      "--submit: exported the checked window",
    );
    return summary.bucketsFailed > 0
      ? `--submit: ${summary.bucketsFailed} buckets were not accepted; first error: ${summary.failures[0]}`
      : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
