// Bucket, delay and re-read ages, checked against both APIs' limits (README: the read schedule).
import { UsageError } from "../errors.js";
import { AGE_MARGIN_MS } from "../plan/limits.js";
import { type Schedule, sendingAgeMs } from "../plan/schedule.js";
import { DAY, formatDuration, HOUR, MINUTE, parseDuration, parseDurationList } from "../time.js";
import { fromFile, fromFlag, type Inputs } from "./inputs.js";
import type { SinkWindow } from "./sink.js";
import type { ExportFlags } from "./types.js";
import { pick } from "./values.js";

export const DEFAULT_BUCKET = "5m";
export const DEFAULT_DELAY = "2m";
/** Inside Datadog's 1 h window with margin for a 5-minute cron (README: the read schedule). */
export const DEFAULT_REREAD = "15m,40m";
/** With historical ingestion: keep re-reading until Segment's 4 h retry horizon has passed. */
export const DEFAULT_REREAD_HISTORICAL = "15m,40m,2h,5h";

/** `--bucket`: whole minutes that divide a day, 1m to 1d, so buckets tile days and hours evenly. */
export function resolveBucket(inputs: Inputs<ExportFlags>): number {
  const raw = pick(
    fromFlag(inputs.flags.bucket, "--bucket"),
    fromFlag(inputs.env.SEGMENT_EXPORTER_BUCKET, "SEGMENT_EXPORTER_BUCKET"),
    fromFile(inputs, "export.bucket", inputs.file.export?.bucket),
  ) ?? { value: DEFAULT_BUCKET, from: "--bucket" };
  const bucketMs = parseDuration(raw.value, raw.from);
  if (bucketMs < MINUTE || bucketMs % MINUTE !== 0 || bucketMs > DAY || DAY % bucketMs !== 0) {
    throw new UsageError(
      `${raw.from}: '${raw.value}' is not a usable bucket; use whole minutes that divide a day, from 1m to 1d (e.g. 1m, 5m, 15m, 1h)`,
    );
  }
  return bucketMs;
}

export function resolveHistorical(inputs: Inputs<ExportFlags>): boolean {
  return inputs.flags.historical === true || inputs.file.export?.historical === true;
}

/**
 * Bucket, delay and --historical, with the check that a bucket's first read still lands inside the
 * sink's window. `dashboard` and `monitors` need only these (their definitions do not depend on the
 * re-read ages, and they take no --reread); `resolveSchedule` adds the re-reads.
 */
export function resolveBucketAndDelay(inputs: Inputs<ExportFlags>, sink: SinkWindow): Omit<Schedule, "rereadMs"> {
  const { flags, env, file } = inputs;
  const historical = resolveHistorical(inputs);
  const bucketMs = resolveBucket(inputs);
  const delayRaw = pick(
    fromFlag(flags.delay, "--delay"),
    fromFlag(env.SEGMENT_EXPORTER_DELAY, "SEGMENT_EXPORTER_DELAY"),
    fromFile(inputs, "export.delay", file.export?.delay),
  ) ?? { value: DEFAULT_DELAY, from: "--delay" };
  const delayMs = parseDuration(delayRaw.value, delayRaw.from);
  // The newest timestamp a read at age A writes is the bucket start: A + bucket old.
  if (delayMs + bucketMs > sink.maxAgeMs - AGE_MARGIN_MS) {
    throw new UsageError(
      `${delayRaw.from === "--delay" ? "--delay/--bucket" : delayRaw.from}: with --bucket ${formatDuration(bucketMs)} and --delay ${formatDuration(delayMs)} a bucket is ${formatDuration(delayMs + bucketMs)} old when first read, ${pastWindow(sink)}; shorten them${sink.advice ? `, or ${sink.advice}` : ""}`,
    );
  }
  return { bucketMs, delayMs, historical };
}

function pastWindow(sink: SinkWindow): string {
  return `past ${sink.windowLabel} (${formatDuration(AGE_MARGIN_MS)} margin)`;
}

/**
 * The read schedule, checked against the sink's age window: every read whose points the sink would
 * drop as too old is refused here (exit 2), before any request. With a sink that takes each point
 * once, only the last read age sends anything (design §5, Sinks).
 */
export function resolveSchedule(inputs: Inputs<ExportFlags>, sink: SinkWindow): Schedule {
  const { flags, env, file } = inputs;
  const { bucketMs, delayMs, historical } = resolveBucketAndDelay(inputs, sink);
  const fileReread = file.export?.reread;
  const rereadRaw = pick(
    fromFlag(flags.reread, "--reread"),
    fromFlag(env.SEGMENT_EXPORTER_REREAD, "SEGMENT_EXPORTER_REREAD"),
    fromFile(inputs, "export.reread", Array.isArray(fileReread) ? fileReread.join(",") : fileReread),
  ) ?? { value: historical ? DEFAULT_REREAD_HISTORICAL : DEFAULT_REREAD, from: "--reread" };
  // Small values are valid (design §5): a re-read age the first read has already reached is
  // simply covered by that read, so it is accepted and leaves no stage of its own.
  // `none`: no re-read at all (design §5); each bucket is read once, at its first read.
  const rereadMs =
    rereadRaw.value.trim().toLowerCase() === "none"
      ? []
      : parseDurationList(rereadRaw.value, rereadRaw.from).filter((age) => age > delayMs);
  const once = sink.writeRule === "once";
  const limit = sink.maxAgeMs - AGE_MARGIN_MS;
  const last = sendingAgeMs({ delayMs, rereadMs });
  if (once && last + bucketMs > limit) {
    throw new UsageError(
      `${rereadMs.length > 0 ? rereadRaw.from : "--delay"}: ${sink.label} is sent each bucket once, at its last read (${formatDuration(last)} after it ends), when its timestamp is ${formatDuration(last + bucketMs)} old, ${pastWindow(sink)}; use read ages up to ${formatDuration(Math.max(0, limit - bucketMs))}${sink.advice ? `, or ${sink.advice}` : ""}`,
    );
  }
  const tooOld = rereadMs.find((age) => age + bucketMs > limit);
  if (tooOld !== undefined) {
    throw new UsageError(
      `${rereadRaw.from}: a bucket re-read at ${formatDuration(tooOld)} carries a timestamp ${formatDuration(tooOld + bucketMs)} old, ${pastWindow(sink)}; use ages up to ${formatDuration(limit - bucketMs)}${sink.advice ? `, or ${sink.advice}` : ""}`,
    );
  }
  if (rereadMs.some((age) => age > 48 * HOUR)) {
    throw new UsageError(`${rereadRaw.from}: re-read ages above 48h are pointless (Segment's retries end after 4h)`);
  }
  return { bucketMs, delayMs, rereadMs, historical, once };
}
