// Resolves flags and environment into one typed config. Everything is validated here, before
// any request: a bad value is exit 2 with one line naming the setting and the fix.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { UsageError } from "../errors.js";
import { LOG_LEVELS, type LogLevel, registerSecret } from "../log.js";
import { type BackfillWindow, validateBackfillWindow } from "../plan/backfill.js";
import { AGE_MARGIN_MS, DATADOG_MAX_AGE_MS } from "../plan/limits.js";
import type { Schedule } from "../plan/schedule.js";
import { ENDPOINTS } from "../segment/budget.js";
import type { EventGroup } from "../segment/events.js";
import { DAY, formatDuration, HOUR, MINUTE, parseDuration, parseDurationList, parseTime } from "./time.js";
import {
  checkSecret,
  parseMetricPrefix,
  parsePositiveInt,
  parseServiceUrl,
  parseTags,
  pick,
  type Raw,
  readSecretFile,
  splitList,
} from "./values.js";

export const DEFAULT_SEGMENT_URL = "https://api.segmentapis.com";
export const EU_SEGMENT_URL = "https://eu1.api.segmentapis.com";
export const DEFAULT_DD_SITE = "datadoghq.com";
export const DEFAULT_PREFIX = "segment_exporter";
export const DEFAULT_BUCKET = "5m";
export const DEFAULT_DELAY = "2m";
/** Inside Datadog's 1 h window with margin for a 5-minute cron (README: the read schedule). */
export const DEFAULT_REREAD = "15m,40m";
/** With historical ingestion: keep re-reading until Segment's 4 h retry horizon has passed. */
export const DEFAULT_REREAD_HISTORICAL = "15m,40m,2h,5h";

/** The environment variables we read; zod keeps exactly these and drops the rest of the environment. */
export const envSchema = z.object({
  SEGMENT_TOKEN: z.string().optional(),
  SEGMENT_TOKEN_FILE: z.string().optional(),
  SEGMENT_API_URL: z.string().optional(),
  DD_API_KEY: z.string().optional(),
  DD_API_KEY_FILE: z.string().optional(),
  DD_APP_KEY: z.string().optional(),
  DD_SITE: z.string().optional(),
  DD_API_URL: z.string().optional(),
  SEGMENT_EXPORTER_STATE: z.string().optional(),
  SEGMENT_EXPORTER_SOURCES: z.string().optional(),
  SEGMENT_EXPORTER_METRIC_PREFIX: z.string().optional(),
  SEGMENT_EXPORTER_TAGS: z.string().optional(),
  SEGMENT_EXPORTER_LOG_LEVEL: z.string().optional(),
  SEGMENT_EXPORTER_BUCKET: z.string().optional(),
  SEGMENT_EXPORTER_DELAY: z.string().optional(),
  SEGMENT_EXPORTER_REREAD: z.string().optional(),
  SEGMENT_EXPORTER_CONCURRENCY: z.string().optional(),
  SEGMENT_EXPORTER_RATE_LIMITS: z.string().optional(),
  XDG_STATE_HOME: z.string().optional(),
});
export type Env = z.infer<typeof envSchema>;

/** Flags as commander hands them over (camelCase, strings or string arrays). */
export interface CommonFlags {
  segmentUrl?: string;
  segmentTokenFile?: string;
  datadogUrl?: string;
  datadogSite?: string;
  datadogApiKeyFile?: string;
  source?: string[];
  state?: string;
  dryRun?: boolean;
  metricPrefix?: string;
  tag?: string[];
  logLevel?: string;
  concurrency?: string;
  requestTimeout?: string;
  rateLimit?: string[];
}

export interface ExportFlags extends CommonFlags {
  bucket?: string;
  delay?: string;
  reread?: string;
  historical?: boolean;
  maxDuration?: string;
  eventVolume?: boolean;
  eventsGroupBy?: string;
}

export interface SegmentSettings {
  token: string;
  apiUrl: string;
  /** Source ids or slugs to keep; empty = every source. */
  sources: string[];
}

export interface DatadogSettings {
  apiKey: string;
  appKey?: string | undefined;
  site: string;
  apiUrl?: string | undefined;
}

export interface CommonConfig {
  segment: SegmentSettings;
  /** Absent only with --dry-run, which submits nothing. */
  datadog?: DatadogSettings | undefined;
  prefix: string;
  tags: string[];
  statePath: string;
  dryRun: boolean;
  logLevel: LogLevel;
  concurrency: number;
  requestTimeoutMs: number;
  /** Fixed Segment limits per minute by endpoint, on top of the documented ones. */
  rateLimits: Record<string, number>;
}

export interface ExportConfig extends CommonConfig {
  schedule: Schedule;
  maxDurationMs?: number | undefined;
  eventVolume: boolean;
  eventsGroupBy: EventGroup[];
}

const flag = (value: string | undefined, name: string): Raw<string | undefined> => ({ value, from: name });

export function defaultStatePath(env: Env): string {
  const base = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "segment-datadog-exporter", "state.json");
}

function resolveSegmentToken(flags: CommonFlags, env: Env): string {
  const file = pick(
    flag(flags.segmentTokenFile, "--segment-token-file"),
    flag(env.SEGMENT_TOKEN_FILE, "SEGMENT_TOKEN_FILE"),
  );
  if (file) return checkSecret(readSecretFile(file), file.from);
  if (env.SEGMENT_TOKEN) return checkSecret(env.SEGMENT_TOKEN, "SEGMENT_TOKEN");
  throw new UsageError(
    "SEGMENT_TOKEN is not set; export SEGMENT_TOKEN with a Segment Public API token, or pass --segment-token-file FILE",
  );
}

function resolveDatadog(flags: CommonFlags, env: Env, required: boolean): DatadogSettings | undefined {
  const file = pick(
    flag(flags.datadogApiKeyFile, "--datadog-api-key-file"),
    flag(env.DD_API_KEY_FILE, "DD_API_KEY_FILE"),
  );
  const apiKey = file
    ? checkSecret(readSecretFile(file), file.from)
    : env.DD_API_KEY && checkSecret(env.DD_API_KEY, "DD_API_KEY");
  const urlRaw = pick(flag(flags.datadogUrl, "--datadog-url"), flag(env.DD_API_URL, "DD_API_URL"));
  const apiUrl = urlRaw ? parseServiceUrl(urlRaw) : undefined;
  const siteRaw = pick(flag(flags.datadogSite, "--datadog-site"), flag(env.DD_SITE, "DD_SITE"));
  const site = siteRaw ? parseSite(siteRaw) : DEFAULT_DD_SITE;
  if (!apiKey) {
    if (!required) return undefined;
    throw new UsageError(
      "DD_API_KEY is not set; export DD_API_KEY with a Datadog API key, pass --datadog-api-key-file FILE, or use --dry-run to print the series instead",
    );
  }
  const appKey = env.DD_APP_KEY ? checkSecret(env.DD_APP_KEY, "DD_APP_KEY") : undefined;
  return { apiKey, appKey, site, apiUrl };
}

function parseSite(raw: Raw): string {
  const site = raw.value.trim().toLowerCase();
  if (site.startsWith("app.") || site.includes("://") || !/^[a-z0-9.-]+\.[a-z]+$/.test(site)) {
    throw new UsageError(
      `${raw.from}: '${raw.value}' is not a Datadog site; use the site parameter, e.g. datadoghq.com, datadoghq.eu, us5.datadoghq.com (not app.… and no https://)`,
    );
  }
  return site;
}

/** `delivery-metrics=300` → per-minute limit of that endpoint. */
function parseRateLimits(entries: readonly string[], from: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const entry of entries) {
    const match = /^([a-z-]+)=(\d+)(?:\/min)?$/.exec(entry);
    const endpoint = match?.[1];
    if (!match || !endpoint || !(ENDPOINTS as readonly string[]).includes(endpoint) || Number(match[2]) < 1) {
      throw new UsageError(
        `${from}: '${entry}' is not endpoint=requests-per-minute; e.g. delivery-metrics=300 (endpoints: ${ENDPOINTS.join(", ")})`,
      );
    }
    limits[endpoint] = Number(match[2]);
  }
  return limits;
}

function parseLogLevel(raw: Raw | undefined): LogLevel {
  if (!raw) return "info";
  const level = raw.value.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`${raw.from}: '${raw.value}' is not a log level; use one of ${LOG_LEVELS.join(", ")}`);
  }
  return level as LogLevel;
}

/** `datadog`: "required" (export), "optional" (--dry-run: used if given) or "unused" (destinations). */
export function resolveCommon(
  flags: CommonFlags,
  rawEnv: NodeJS.ProcessEnv,
  datadogNeed: "required" | "optional" | "unused" = flags.dryRun ? "optional" : "required",
): CommonConfig {
  const env = envSchema.parse(rawEnv);
  const logLevel = parseLogLevel(
    pick(flag(flags.logLevel, "--log-level"), flag(env.SEGMENT_EXPORTER_LOG_LEVEL, "SEGMENT_EXPORTER_LOG_LEVEL")),
  );
  const segmentUrl = parseServiceUrl(
    pick(flag(flags.segmentUrl, "--segment-url"), flag(env.SEGMENT_API_URL, "SEGMENT_API_URL")) ?? {
      value: DEFAULT_SEGMENT_URL,
      from: "--segment-url",
    },
  );
  const dryRun = flags.dryRun === true;
  const datadog = datadogNeed === "unused" ? undefined : resolveDatadog(flags, env, datadogNeed === "required");
  const token = resolveSegmentToken(flags, env);
  for (const secret of [token, datadog?.apiKey, datadog?.appKey]) registerSecret(secret);
  const sources = flags.source?.length ? splitList(flags.source) : splitList(env.SEGMENT_EXPORTER_SOURCES);
  const prefixRaw = pick(
    flag(flags.metricPrefix, "--metric-prefix"),
    flag(env.SEGMENT_EXPORTER_METRIC_PREFIX, "SEGMENT_EXPORTER_METRIC_PREFIX"),
  );
  const tags = flags.tag?.length
    ? parseTags(splitList(flags.tag), "--tag")
    : parseTags(splitList(env.SEGMENT_EXPORTER_TAGS), "SEGMENT_EXPORTER_TAGS");
  const stateRaw = pick(flag(flags.state, "--state"), flag(env.SEGMENT_EXPORTER_STATE, "SEGMENT_EXPORTER_STATE"));
  const concurrencyRaw = pick(
    flag(flags.concurrency, "--concurrency"),
    flag(env.SEGMENT_EXPORTER_CONCURRENCY, "SEGMENT_EXPORTER_CONCURRENCY"),
  );
  const timeoutRaw = pick(flag(flags.requestTimeout, "--request-timeout"));
  const requestTimeoutMs = timeoutRaw ? parseDuration(timeoutRaw.value, timeoutRaw.from) : 30_000;
  if (requestTimeoutMs < 1_000) throw new UsageError("--request-timeout: use at least 1s");
  const rateLimits = flags.rateLimit?.length
    ? parseRateLimits(splitList(flags.rateLimit), "--rate-limit")
    : parseRateLimits(splitList(env.SEGMENT_EXPORTER_RATE_LIMITS), "SEGMENT_EXPORTER_RATE_LIMITS");
  return {
    rateLimits,
    segment: { token, apiUrl: segmentUrl, sources },
    datadog,
    prefix: prefixRaw ? parseMetricPrefix(prefixRaw) : DEFAULT_PREFIX,
    tags,
    statePath: resolve(stateRaw?.value ?? defaultStatePath(env)),
    dryRun,
    logLevel,
    concurrency: concurrencyRaw ? parsePositiveInt(concurrencyRaw, 64) : 8,
    requestTimeoutMs,
  };
}

/** `--bucket`: whole minutes that divide a day, 1m to 1d, so buckets tile days and hours evenly. */
export function resolveBucket(flags: { bucket?: string | undefined }, env: Env): number {
  const bucketRaw = pick(
    flag(flags.bucket, "--bucket"),
    flag(env.SEGMENT_EXPORTER_BUCKET, "SEGMENT_EXPORTER_BUCKET"),
  ) ?? {
    value: DEFAULT_BUCKET,
    from: "--bucket",
  };
  const bucketMs = parseDuration(bucketRaw.value, bucketRaw.from);
  if (bucketMs < MINUTE || bucketMs % MINUTE !== 0 || bucketMs > DAY || DAY % bucketMs !== 0) {
    throw new UsageError(
      `${bucketRaw.from}: '${bucketRaw.value}' is not a usable bucket; use whole minutes that divide a day, from 1m to 1d (e.g. 1m, 5m, 15m, 1h)`,
    );
  }
  return bucketMs;
}

/** Bucket, delay and re-read ages, checked against both APIs' limits (README: the read schedule). */
export function resolveSchedule(flags: ExportFlags, rawEnv: NodeJS.ProcessEnv): Schedule {
  const env = envSchema.parse(rawEnv);
  const historical = flags.historical === true;
  const bucketMs = resolveBucket(flags, env);
  const delayRaw = pick(flag(flags.delay, "--delay"), flag(env.SEGMENT_EXPORTER_DELAY, "SEGMENT_EXPORTER_DELAY")) ?? {
    value: DEFAULT_DELAY,
    from: "--delay",
  };
  const delayMs = parseDuration(delayRaw.value, delayRaw.from);
  const rereadRaw = pick(
    flag(flags.reread, "--reread"),
    flag(env.SEGMENT_EXPORTER_REREAD, "SEGMENT_EXPORTER_REREAD"),
  ) ?? {
    value: historical ? DEFAULT_REREAD_HISTORICAL : DEFAULT_REREAD,
    from: "--reread",
  };
  const rereadMs = parseDurationList(rereadRaw.value, rereadRaw.from);
  for (const age of rereadMs) {
    if (age <= delayMs) {
      throw new UsageError(
        `${rereadRaw.from}: ${formatDuration(age)} is not later than --delay ${formatDuration(delayMs)}; re-read ages must come after the first read`,
      );
    }
  }
  if (!historical) {
    // The newest timestamp a read at age A writes is the bucket start: A + bucket old.
    const limit = DATADOG_MAX_AGE_MS - AGE_MARGIN_MS;
    if (delayMs + bucketMs > limit) {
      throw new UsageError(
        `${delayRaw.from === "--delay" ? "--delay/--bucket" : delayRaw.from}: with --bucket ${formatDuration(bucketMs)} and --delay ${formatDuration(delayMs)} a bucket is ${formatDuration(delayMs + bucketMs)} old when first read, past Datadog's 1h window (${formatDuration(AGE_MARGIN_MS)} margin); shorten them, or enable historical ingestion and pass --historical`,
      );
    }
    const tooOld = rereadMs.find((age) => age + bucketMs > limit);
    if (tooOld !== undefined) {
      throw new UsageError(
        `${rereadRaw.from}: a bucket re-read at ${formatDuration(tooOld)} carries a timestamp ${formatDuration(tooOld + bucketMs)} old, past Datadog's 1h window (${formatDuration(AGE_MARGIN_MS)} margin); use ages up to ${formatDuration(limit - bucketMs)}, or --historical`,
      );
    }
  }
  if (rereadMs.some((age) => age > 48 * HOUR)) {
    throw new UsageError(`${rereadRaw.from}: re-read ages above 48h are pointless (Segment's retries end after 4h)`);
  }
  return { bucketMs, delayMs, rereadMs, historical };
}

const EVENT_GROUPS: Record<string, EventGroup> = {
  eventname: "eventName",
  event_name: "eventName",
  eventtype: "eventType",
  event_type: "eventType",
};

/** Options both `export` and `backfill` take beside the schedule. */
function resolveRunOptions(flags: ExportFlags) {
  const maxDurationMs = flags.maxDuration ? parseDuration(flags.maxDuration, "--max-duration") : undefined;
  if (maxDurationMs === 0) throw new UsageError("--max-duration: use at least 1s");
  const eventsGroupBy = splitList(flags.eventsGroupBy).map((g) => {
    const group = EVENT_GROUPS[g.toLowerCase()];
    if (!group) throw new UsageError(`--events-group-by: '${g}' is not a grouping; use event_name, event_type or both`);
    return group;
  });
  return { maxDurationMs, eventVolume: flags.eventVolume !== false, eventsGroupBy: [...new Set(eventsGroupBy)] };
}

export function resolveExport(flags: ExportFlags, rawEnv: NodeJS.ProcessEnv): ExportConfig {
  const schedule = resolveSchedule(flags, rawEnv);
  const common = resolveCommon(flags, rawEnv);
  return { ...common, schedule, ...resolveRunOptions(flags) };
}

export interface BackfillConfig extends CommonConfig {
  window: BackfillWindow;
  /** Bucket length and --historical; re-read ages play no part in a backfill. */
  schedule: Schedule;
  maxDurationMs?: number | undefined;
  eventVolume: boolean;
  eventsGroupBy: EventGroup[];
}

export interface BackfillFlags extends ExportFlags {
  from?: string;
  to?: string;
  json?: boolean;
}

/** The whole backfill is validated here, window included, before the lock and any request. */
export function resolveBackfill(flags: BackfillFlags, rawEnv: NodeJS.ProcessEnv, now: number): BackfillConfig {
  const env = envSchema.parse(rawEnv);
  const bucketMs = resolveBucket(flags, env);
  const historical = flags.historical === true;
  if (flags.from === undefined)
    throw new UsageError("--from is required; e.g. --from -6h or --from 2026-11-24T00:00:00Z");
  const from = parseTime(flags.from, now, "--from");
  const to = parseTime(flags.to ?? "now", now, "--to");
  const options = resolveRunOptions(flags);
  const common = resolveCommon(flags, rawEnv);
  const window = validateBackfillWindow({
    from,
    to,
    now,
    bucketMs,
    historical,
    eventVolume: options.eventVolume,
    prefix: common.prefix,
  });
  return { ...common, ...options, window, schedule: { bucketMs, delayMs: 0, rereadMs: [], historical } };
}
