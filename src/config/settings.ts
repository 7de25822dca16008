// Resolves flags, environment and config file into one typed config per command. Everything is
// validated here, before any request: a bad value is exit 2 with one line naming the setting and
// the fix (design §5).
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { LOG_LEVELS, type LogLevel, registerSecret } from "../log.js";
import { validateBackfillWindow } from "../plan/backfill.js";
import { DELIVERY_METRICS_LIMITS, EVENTS_VOLUME_LIMITS, granularityFor } from "../plan/limits.js";
import type { Schedule } from "../plan/schedule.js";
import { ENDPOINTS } from "../segment/budget.js";
import type { EventGroup } from "../segment/events.js";
import { resolveDatadog } from "./datadog.js";
import type { Env } from "./env.js";
import { fromFile, fromFlag, type Inputs, loadInputs } from "./inputs.js";
import { resolveBucket, resolveHistorical, resolveSchedule as scheduleOf } from "./schedule.js";
import { parseCount, parseRate } from "./thresholds.js";
import { parseDuration, parseTime } from "./time.js";
import type {
  BackfillConfig,
  BackfillFlags,
  CheckConfig,
  CheckFlags,
  CommonConfig,
  CommonFlags,
  ExportConfig,
  ExportFlags,
  RunOptions,
  Shard,
} from "./types.js";
import { parseMetricPrefix, parsePositiveInt, parseTags, pick, type Raw, splitList } from "./values.js";
import { resolveWorkspaces } from "./workspaces.js";

export { DEFAULT_DD_SITE } from "./datadog.js";
export { DEFAULT_BUCKET, DEFAULT_DELAY, DEFAULT_REREAD, DEFAULT_REREAD_HISTORICAL } from "./schedule.js";
export type * from "./types.js";
export { DEFAULT_SEGMENT_URL, EU_SEGMENT_URL } from "./workspaces.js";

export const DEFAULT_PREFIX = "segment_exporter";

export function defaultStatePath(env: Env): string {
  const base = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "segment-datadog-exporter", "state.json");
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

/** `--shard i/n`: 0-based shard i of n (design §6). */
export function parseShard(raw: Raw | undefined): Shard | undefined {
  if (!raw) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(raw.value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > 10_000 || index >= count) {
    throw new UsageError(`${raw.from}: '${raw.value}' is not a shard; write i/n with 0 ≤ i < n, e.g. 0/3, 1/3, 2/3`);
  }
  return { index, count };
}

/** `datadog`: "required" (export), "optional" (--dry-run: used if given) or "unused" (destinations). */
function commonOf(
  inputs: Inputs,
  datadogNeed: "required" | "optional" | "unused" = inputs.flags.dryRun ? "optional" : "required",
): CommonConfig {
  const { flags, env, file } = inputs;
  const logLevel = parseLogLevel(
    pick(
      fromFlag(flags.logLevel, "--log-level"),
      fromFlag(env.SEGMENT_EXPORTER_LOG_LEVEL, "SEGMENT_EXPORTER_LOG_LEVEL"),
      fromFile(inputs, "logLevel", file.logLevel),
    ),
  );
  const datadog = datadogNeed === "unused" ? undefined : resolveDatadog(inputs, datadogNeed === "required");
  const workspaces = resolveWorkspaces(inputs);
  for (const secret of [...workspaces.map((w) => w.token), datadog?.apiKey, datadog?.appKey]) registerSecret(secret);
  const prefixRaw = pick(
    fromFlag(flags.metricPrefix, "--metric-prefix"),
    fromFlag(env.SEGMENT_EXPORTER_METRIC_PREFIX, "SEGMENT_EXPORTER_METRIC_PREFIX"),
    fromFile(inputs, "metricPrefix", file.metricPrefix),
  );
  const tags = flags.tag?.length
    ? parseTags(splitList(flags.tag), "--tag")
    : env.SEGMENT_EXPORTER_TAGS
      ? parseTags(splitList(env.SEGMENT_EXPORTER_TAGS), "SEGMENT_EXPORTER_TAGS")
      : parseTags(file.tags ?? [], fromFile(inputs, "tags", "").from);
  const stateRaw = pick(
    fromFlag(flags.state, "--state"),
    fromFlag(env.SEGMENT_EXPORTER_STATE, "SEGMENT_EXPORTER_STATE"),
    fromFile(inputs, "state", file.state),
  );
  const concurrencyRaw = pick(
    fromFlag(flags.concurrency, "--concurrency"),
    fromFlag(env.SEGMENT_EXPORTER_CONCURRENCY, "SEGMENT_EXPORTER_CONCURRENCY"),
    fromFile(inputs, "concurrency", file.concurrency === undefined ? undefined : String(file.concurrency)),
  );
  const timeoutRaw = pick(
    fromFlag(flags.requestTimeout, "--request-timeout"),
    fromFile(inputs, "requestTimeout", file.requestTimeout),
  );
  const requestTimeoutMs = timeoutRaw ? parseDuration(timeoutRaw.value, timeoutRaw.from) : 30_000;
  if (requestTimeoutMs < 1_000) throw new UsageError(`${timeoutRaw?.from}: use at least 1s`);
  const rateLimits = flags.rateLimit?.length
    ? parseRateLimits(splitList(flags.rateLimit), "--rate-limit")
    : env.SEGMENT_EXPORTER_RATE_LIMITS
      ? parseRateLimits(splitList(env.SEGMENT_EXPORTER_RATE_LIMITS), "SEGMENT_EXPORTER_RATE_LIMITS")
      : parseRateLimits(
          Object.entries(file.rateLimits ?? {}).map(([k, v]) => `${k}=${v}`),
          fromFile(inputs, "rateLimits", "").from,
        );
  return {
    workspaces,
    datadog,
    prefix: prefixRaw ? parseMetricPrefix(prefixRaw) : DEFAULT_PREFIX,
    tags,
    statePath: resolve(stateRaw?.value ?? defaultStatePath(env)),
    dryRun: flags.dryRun === true,
    logLevel,
    concurrency: concurrencyRaw ? parsePositiveInt(concurrencyRaw, 64) : 8,
    requestTimeoutMs,
    rateLimits,
    shard: parseShard(pick(fromFlag(flags.shard, "--shard"))),
  };
}

export function resolveCommon(
  flags: CommonFlags,
  rawEnv: NodeJS.ProcessEnv,
  datadogNeed?: "required" | "optional" | "unused",
): CommonConfig {
  return commonOf(loadInputs(flags, rawEnv), datadogNeed);
}

export function resolveSchedule(flags: ExportFlags, rawEnv: NodeJS.ProcessEnv): Schedule {
  return scheduleOf(loadInputs(flags, rawEnv));
}

const EVENT_GROUPS: Record<string, EventGroup> = {
  eventname: "eventName",
  event_name: "eventName",
  eventtype: "eventType",
  event_type: "eventType",
};

/** Options both `export` and `backfill` take beside the schedule. */
function runOptionsOf(inputs: Inputs<ExportFlags>): RunOptions {
  const { flags, file } = inputs;
  const maxRaw = pick(
    fromFlag(flags.maxDuration, "--max-duration"),
    fromFile(inputs, "export.maxDuration", file.export?.maxDuration),
  );
  const maxDurationMs = maxRaw ? parseDuration(maxRaw.value, maxRaw.from) : undefined;
  if (maxDurationMs === 0) throw new UsageError(`${maxRaw?.from}: use at least 1s`);
  const groupsFromFile = file.export?.eventsGroupBy;
  const groupsRaw = pick(
    fromFlag(flags.eventsGroupBy, "--events-group-by"),
    fromFile(inputs, "export.eventsGroupBy", Array.isArray(groupsFromFile) ? groupsFromFile.join(",") : groupsFromFile),
  );
  const eventsGroupBy = splitList(groupsRaw?.value).map((g) => {
    const group = EVENT_GROUPS[g.toLowerCase()];
    if (!group)
      throw new UsageError(`${groupsRaw?.from}: '${g}' is not a grouping; use event_name, event_type or both`);
    return group;
  });
  const eventVolume = flags.eventVolume !== false && file.export?.eventVolume !== false;
  const usage = flags.usage !== false && file.export?.usage !== false;
  const errorDetails = flags.errorDetails !== false && file.export?.errorDetails !== false;
  return { maxDurationMs, eventVolume, usage, eventsGroupBy: [...new Set(eventsGroupBy)], errorDetails };
}

export function resolveExport(flags: ExportFlags, rawEnv: NodeJS.ProcessEnv): ExportConfig {
  const inputs = loadInputs(flags, rawEnv);
  const schedule = scheduleOf(inputs);
  return { ...commonOf(inputs), ...runOptionsOf(inputs), schedule };
}

/** The whole backfill is validated here, window included, before the lock and any request. */
export function resolveBackfill(flags: BackfillFlags, rawEnv: NodeJS.ProcessEnv, now: number): BackfillConfig {
  const inputs = loadInputs(flags, rawEnv);
  const bucketMs = resolveBucket(inputs);
  const historical = resolveHistorical(inputs);
  if (flags.from === undefined)
    throw new UsageError("--from is required; e.g. --from -6h or --from 2026-11-24T00:00:00Z");
  if (flags.json && flags.dryRun) {
    throw new UsageError(
      "--json and --dry-run both write to stdout (a summary, and the series as NDJSON); use one of them",
    );
  }
  const from = parseTime(flags.from, now, "--from");
  const to = parseTime(flags.to ?? "now", now, "--to");
  const options = runOptionsOf(inputs);
  const common = commonOf(inputs);
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

/** `check`: window and thresholds from flags or the config file's `check` section. */
export function resolveCheck(flags: CheckFlags, rawEnv: NodeJS.ProcessEnv, now: number): CheckConfig {
  const inputs = loadInputs(flags, rawEnv);
  const section = inputs.file.check ?? {};
  const windowRaw = pick(fromFlag(flags.window, "--window"), fromFile(inputs, "check.window", section.window)) ?? {
    value: "1h",
    from: "--window",
  };
  const windowMs = parseDuration(windowRaw.value, windowRaw.from);
  const fits = (limits: typeof DELIVERY_METRICS_LIMITS) => granularityFor(limits, now - windowMs, windowMs, now);
  if (windowMs < 4 * 60_000 || !fits(DELIVERY_METRICS_LIMITS) || !fits(EVENTS_VOLUME_LIMITS)) {
    throw new UsageError(
      `${windowRaw.from}: '${windowRaw.value}' does not fit Segment's limits; use a window from 4m (four trend steps of a minute) to 13d`,
    );
  }
  const rateRaw = pick(
    fromFlag(flags.minSuccessRate, "--min-success-rate"),
    fromFile(
      inputs,
      "check.minSuccessRate",
      section.minSuccessRate === undefined ? undefined : String(section.minSuccessRate),
    ),
  );
  const p95Raw = pick(fromFlag(flags.maxP95, "--max-p95"), fromFile(inputs, "check.maxP95", section.maxP95));
  const eventsRaw = pick(
    fromFlag(flags.minEvents, "--min-events"),
    fromFile(inputs, "check.minEvents", section.minEvents === undefined ? undefined : String(section.minEvents)),
  );
  if (flags.junit !== undefined && flags.junit.trim() === "")
    throw new UsageError("--junit: give a file name, e.g. --junit check.xml");
  const common = commonOf(inputs, "required");
  return {
    ...common,
    windowMs,
    thresholds: {
      minSuccessRate: rateRaw ? parseRate(rateRaw) : undefined,
      maxP95Ms: p95Raw ? parseDuration(p95Raw.value, p95Raw.from) : undefined,
      minEvents: eventsRaw ? parseCount(eventsRaw) : undefined,
    },
    json: flags.json === true,
    junit: flags.junit,
    submit: flags.submit === true,
    historical: flags.historical === true || inputs.file.export?.historical === true,
    errorDetails: flags.errorDetails !== false && inputs.file.export?.errorDetails !== false,
  };
}
