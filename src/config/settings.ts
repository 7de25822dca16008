// Resolves flags, environment and config file into one typed config per command. Everything is
// validated here, before any request: a bad value is exit 2 with one line naming the setting and
// the fix (design §5).
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { MAX_TIMER_MS } from "../deadline.js";
import { UsageError } from "../errors.js";
import { LOG_LEVELS, type LogLevel } from "../log-levels.js";
import { DEFAULT_PREFIX } from "../mapping/prefix.js";
import { validateBackfillWindow } from "../plan/backfill.js";
import { DELIVERY_METRICS_LIMITS, EVENTS_VOLUME_LIMITS, granularityFor } from "../plan/limits.js";
import { type Schedule, sendingAgeMs } from "../plan/schedule.js";
import { registerSecret } from "../secrets.js";
import type { EventGroup } from "../segment/events.js";
import { MAX_WAIT_MS } from "../segment/waits.js";
import { parseDuration, parseTime } from "../time.js";
import { assetScheduleOf, assetSinkOf } from "./asset-sink.js";
import { resolveDatadog } from "./datadog.js";
import { DEFAULT_EXPORT_MAX_DURATION, DEFAULT_MAX_P95, DEFAULT_MIN_SUCCESS_RATE } from "./defaults.js";
import type { Env } from "./env.js";
import { assertWritableFile } from "./files.js";
import { fromFile, fromFlag, type Inputs, loadInputs } from "./inputs.js";
import { resolveBucket, resolveHistorical, resolveSchedule as scheduleOf } from "./schedule.js";
import { backendOf, checkSinkTags, resolveSink, resolveSinkWindow, type SinkConfig, sinkSecrets } from "./sink.js";
import { parseCount, parseRate } from "./thresholds.js";
import type {
  AssetConfig,
  AssetFlags,
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
export { DEFAULT_EXPORT_MAX_DURATION } from "./defaults.js";
export { DEFAULT_BUCKET, DEFAULT_DELAY, DEFAULT_REREAD, DEFAULT_REREAD_HISTORICAL } from "./schedule.js";
export type * from "./types.js";
export { DEFAULT_SEGMENT_URL, EU_SEGMENT_URL } from "./workspaces.js";

export { DEFAULT_PREFIX };

export const DEFAULT_CONCURRENCY = 16;

export function defaultStatePath(env: Env): string {
  const base = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "segment-datadog-exporter", "state.json");
}

/**
 * `delivery-metrics=300` → per-minute limit of that endpoint. The names are checked against the
 * endpoints the run's stream kinds read when the run starts (before any request): the kinds declare
 * them, and loading them here would cost every usage error their modules.
 */
function parseRateLimits(entries: readonly string[], from: string): { limits: Record<string, number>; from: string } {
  const limits: Record<string, number> = {};
  for (const entry of entries) {
    const match = /^([a-z-]+)=(\d+)(?:\/min)?$/.exec(entry);
    const endpoint = match?.[1];
    if (!match || !endpoint || Number(match[2]) < 1) {
      throw new UsageError(`${from}: '${entry}' is not endpoint=requests-per-minute; e.g. delivery-metrics=300`);
    }
    limits[endpoint] = Number(match[2]);
  }
  return { limits, from };
}

export function parseLogLevel(raw: Raw | undefined): LogLevel {
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

function logLevelOf(inputs: Inputs): LogLevel {
  const { flags, env, file } = inputs;
  return parseLogLevel(
    pick(
      fromFlag(flags.logLevel, "--log-level"),
      fromFlag(env.SEGMENT_EXPORTER_LOG_LEVEL, "SEGMENT_EXPORTER_LOG_LEVEL"),
      fromFile(inputs, "logLevel", file.logLevel),
    ),
  );
}

function prefixOf(inputs: Inputs): string {
  const { flags, env, file } = inputs;
  const prefixRaw = pick(
    fromFlag(flags.metricPrefix, "--metric-prefix"),
    fromFlag(env.SEGMENT_EXPORTER_METRIC_PREFIX, "SEGMENT_EXPORTER_METRIC_PREFIX"),
    fromFile(inputs, "metricPrefix", file.metricPrefix),
  );
  return prefixRaw ? parseMetricPrefix(prefixRaw) : DEFAULT_PREFIX;
}

function tagsOf(inputs: Inputs): string[] {
  const { flags, env, file } = inputs;
  return flags.tag?.length
    ? parseTags(splitList(flags.tag), "--tag")
    : env.SEGMENT_EXPORTER_TAGS
      ? parseTags(splitList(env.SEGMENT_EXPORTER_TAGS), "SEGMENT_EXPORTER_TAGS")
      : parseTags(file.tags ?? [], fromFile(inputs, "tags", "").from);
}

function requestTimeoutOf(inputs: Inputs): number {
  const timeoutRaw = pick(
    fromFlag(inputs.flags.requestTimeout, "--request-timeout"),
    fromFile(inputs, "requestTimeout", inputs.file.requestTimeout),
  );
  // Capped at the longest single wait of design §5, so no request can hold a run longer.
  const requestTimeoutMs = timeoutRaw ? parseDuration(timeoutRaw.value, timeoutRaw.from, MAX_WAIT_MS) : 30_000;
  if (requestTimeoutMs < 1_000) throw new UsageError(`${timeoutRaw?.from}: use at least 1s`);
  return requestTimeoutMs;
}

/** The sink's settings: "required" (a run that sends), "optional" (--dry-run: used if given) or "unused" (destinations). */
function commonOf(
  inputs: Inputs,
  sinkNeed: "required" | "optional" | "unused" = inputs.flags.dryRun ? "optional" : "required",
): CommonConfig {
  const { flags, env, file } = inputs;
  const logLevel = logLevelOf(inputs);
  const sink: SinkConfig =
    sinkNeed === "unused" ? { name: "datadog", settings: undefined } : resolveSink(inputs, sinkNeed);
  const workspaces = resolveWorkspaces(inputs);
  for (const secret of [...workspaces.map((w) => w.token), ...sinkSecrets(sink)]) registerSecret(secret);
  const tags = tagsOf(inputs);
  checkSinkTags(
    sink,
    tags,
    flags.tag?.length
      ? "--tag"
      : env.SEGMENT_EXPORTER_TAGS
        ? "SEGMENT_EXPORTER_TAGS"
        : fromFile(inputs, "tags", "").from,
  );
  for (const ws of workspaces) checkSinkTags(sink, ws.tags, `${ws.label}: tags`);
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
  const requestTimeoutMs = requestTimeoutOf(inputs);
  const { limits: rateLimits, from: rateLimitsFrom } = flags.rateLimit?.length
    ? parseRateLimits(splitList(flags.rateLimit), "--rate-limit")
    : env.SEGMENT_EXPORTER_RATE_LIMITS
      ? parseRateLimits(splitList(env.SEGMENT_EXPORTER_RATE_LIMITS), "SEGMENT_EXPORTER_RATE_LIMITS")
      : parseRateLimits(
          Object.entries(file.rateLimits ?? {}).map(([k, v]) => `${k}=${v}`),
          fromFile(inputs, "rateLimits", "").from,
        );
  return {
    workspaces,
    sink,
    prefix: prefixOf(inputs),
    tags,
    statePath: resolve(stateRaw?.value ?? defaultStatePath(env)),
    dryRun: flags.dryRun === true,
    logLevel,
    // 16 keeps Segment busy against real (~40 ms) answers; 32 measured no faster (bench/README.md).
    concurrency: concurrencyRaw ? parsePositiveInt(concurrencyRaw, 64) : DEFAULT_CONCURRENCY,
    requestTimeoutMs,
    rateLimits,
    rateLimitsFrom,
    shard: parseShard(pick(fromFlag(flags.shard, "--shard"))),
  };
}

export function resolveCommon(
  flags: CommonFlags,
  rawEnv: NodeJS.ProcessEnv,
  sinkNeed?: "required" | "optional" | "unused",
): CommonConfig {
  return commonOf(loadInputs(flags, rawEnv), sinkNeed);
}

/** The schedule alone, checked against the sink the flags and environment choose (Datadog by default). */
export function resolveSchedule(flags: ExportFlags, rawEnv: NodeJS.ProcessEnv): Schedule {
  const inputs = loadInputs(flags, rawEnv);
  return scheduleOf(inputs, resolveSinkWindow(inputs));
}

const EVENT_GROUPS: Record<string, EventGroup> = {
  eventname: "eventName",
  event_name: "eventName",
  eventtype: "eventType",
  event_type: "eventType",
};

/** `--events-group-by` / `export.eventsGroupBy`: what event volume is split by. */
function eventsGroupByOf(inputs: Inputs<ExportFlags>): EventGroup[] {
  const { flags, file } = inputs;
  const groupsFromFile = file.export?.eventsGroupBy;
  const groupsRaw = pick(
    fromFlag(flags.eventsGroupBy, "--events-group-by"),
    fromFile(inputs, "export.eventsGroupBy", Array.isArray(groupsFromFile) ? groupsFromFile.join(",") : groupsFromFile),
  );
  const groups = splitList(groupsRaw?.value).map((g) => {
    const group = EVENT_GROUPS[g.toLowerCase()];
    if (!group)
      throw new UsageError(`${groupsRaw?.from}: '${g}' is not a grouping; use event_name, event_type or both`);
    return group;
  });
  return [...new Set(groups)];
}

/** Options both `export` and `backfill` take beside the schedule. */
function runOptionsOf(inputs: Inputs<ExportFlags>, defaultMaxDuration?: string): RunOptions {
  const { flags, file } = inputs;
  const maxRaw = pick(
    fromFlag(flags.maxDuration, "--max-duration"),
    fromFile(inputs, "export.maxDuration", file.export?.maxDuration),
    fromFlag(defaultMaxDuration, "--max-duration"),
  );
  const maxDurationMs = maxRaw ? parseDuration(maxRaw.value, maxRaw.from, MAX_TIMER_MS) : undefined;
  if (maxDurationMs === 0) throw new UsageError(`${maxRaw?.from}: use at least 1s`);
  const eventsGroupBy = eventsGroupByOf(inputs);
  const eventVolume = flags.eventVolume !== false && file.export?.eventVolume !== false;
  const usage = flags.usage !== false && file.export?.usage !== false;
  const errorDetails = flags.errorDetails !== false && file.export?.errorDetails !== false;
  const pipeline = flags.pipeline !== false && file.export?.pipeline !== false;
  return { maxDurationMs, eventVolume, usage, eventsGroupBy, errorDetails, pipeline };
}

export function resolveExport(flags: ExportFlags, rawEnv: NodeJS.ProcessEnv): ExportConfig {
  const inputs = loadInputs(flags, rawEnv);
  const schedule = scheduleOf(inputs, resolveSinkWindow(inputs));
  return { ...commonOf(inputs), ...runOptionsOf(inputs, DEFAULT_EXPORT_MAX_DURATION), schedule };
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
  const sink = resolveSinkWindow(inputs);
  const schedule = scheduleOf(inputs, sink);
  const common = commonOf(inputs);
  const window = validateBackfillWindow({
    from,
    to,
    now,
    bucketMs,
    settleMs: schedule.once ? sendingAgeMs(schedule) : schedule.delayMs,
    sink,
    eventVolume: options.eventVolume,
  });
  // Each bucket of the window is read once: re-reads are the cron job's.
  return { ...common, ...options, window, schedule: { bucketMs, delayMs: 0, rereadMs: [], historical } };
}

/** `--min-success-rate` and `--max-p95`, or the config file's `check` section: one source for check and monitors. */
function thresholdInputs(inputs: Inputs<CommonFlags & { minSuccessRate?: string; maxP95?: string }>) {
  const section = inputs.file.check ?? {};
  const rateRaw = pick(
    fromFlag(inputs.flags.minSuccessRate, "--min-success-rate"),
    fromFile(
      inputs,
      "check.minSuccessRate",
      section.minSuccessRate === undefined ? undefined : String(section.minSuccessRate),
    ),
  );
  const p95Raw = pick(fromFlag(inputs.flags.maxP95, "--max-p95"), fromFile(inputs, "check.maxP95", section.maxP95));
  return { rateRaw, p95Raw };
}

/**
 * Below this many deliveries (successes + discarded + expired) in the window, a connection's success
 * rate says more about a few events than about the connection: one failure out of one is 0 %. 20 is
 * the smallest count at which a single failure moves the rate by at most 5 points, and a connection
 * with real traffic (one delivery every 3 minutes in the monitors' hour) reaches it; the failures of
 * quieter ones still show on the dashboard (Error details, success rate per connection).
 */
export const DEFAULT_MIN_DELIVERIES = 20;

/**
 * `--min-deliveries N` or the config file's `check.minDeliveries`, else the default: the one parser
 * for every command that gates a success rate on volume (monitors now; check can call it too).
 */
export function minDeliveriesOf(inputs: Inputs<CommonFlags & { minDeliveries?: string }>): number {
  const fromConfig = inputs.file.check?.minDeliveries;
  const raw = pick(
    fromFlag(inputs.flags.minDeliveries, "--min-deliveries"),
    fromFile(inputs, "check.minDeliveries", fromConfig === undefined ? undefined : String(fromConfig)),
  );
  return raw ? parseCount(raw) : DEFAULT_MIN_DELIVERIES;
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
  const { rateRaw, p95Raw } = thresholdInputs(inputs);
  const eventsRaw = pick(
    fromFlag(flags.minEvents, "--min-events"),
    fromFile(inputs, "check.minEvents", section.minEvents === undefined ? undefined : String(section.minEvents)),
  );
  if (flags.junit !== undefined && flags.junit.trim() === "")
    throw new UsageError("--junit: give a file name, e.g. --junit check.xml");
  if (flags.junit !== undefined) assertWritableFile(flags.junit, "--junit");
  const common = commonOf(inputs, "required");
  if (flags.submit && backendOf(common.sink).backend.writeRule === "once") {
    const twice =
      common.sink.name === "newrelic"
        ? "New Relic would count them twice"
        : "the receiver would then refuse export's settled values";
    throw new UsageError(
      `--submit: --sink ${common.sink.name} takes each bucket once, at its last read, and export sends these buckets too (${twice}); leave --submit out and let export send them`,
    );
  }
  // Unset thresholds take the workspace's, then the monitors' defaults (check/read.ts): a bare
  // `check` in CI checks what the monitors alert on. `off` turns one off explicitly (null).
  const off = (raw: Raw | undefined) => raw?.value.trim().toLowerCase() === "off";
  const explicit = <T>(raw: Raw | undefined, parse: (raw: Raw) => T): T | null | undefined =>
    !raw ? undefined : off(raw) ? null : parse(raw);
  return {
    ...common,
    windowMs,
    thresholds: {
      minSuccessRate: explicit(rateRaw, parseRate),
      maxP95Ms: explicit(p95Raw, (r) => parseDuration(r.value, r.from)),
      minEvents: explicit(eventsRaw, parseCount),
      // The monitors' minimum: a connection with fewer deliveries in the window is not judged on its rate.
      minDeliveries: minDeliveriesOf(inputs),
    },
    json: flags.json === true,
    junit: flags.junit,
    submit: flags.submit === true,
    historical: flags.historical === true || inputs.file.export?.historical === true,
    errorDetails: flags.errorDetails !== false && inputs.file.export?.errorDetails !== false,
    pipeline: flags.pipeline !== false && inputs.file.export?.pipeline !== false,
  };
}

export { DEFAULT_MAX_P95, DEFAULT_MIN_SUCCESS_RATE } from "./defaults.js";

/**
 * `dashboard` and `monitors`: Datadog settings (both keys, unless --dry-run or --out send nothing),
 * prefix and tags as for export, thresholds as for check, bucket, delay and --historical as the cron
 * job uses them.
 */
export function resolveAssets(flags: AssetFlags, rawEnv: NodeJS.ProcessEnv): AssetConfig {
  const inputs = loadInputs(flags, rawEnv);
  const logLevel = logLevelOf(inputs);
  if (flags.json && flags.dryRun) {
    throw new UsageError("--json and --dry-run both write to stdout (a summary, and the definitions); use one of them");
  }
  if (flags.out !== undefined && flags.out.trim() === "")
    throw new UsageError("--out: give a folder, e.g. --out datadog/");
  const notify = (flags.notify ?? []).map((handle) => {
    if (!/^@[^\s@,]+$/.test(handle))
      throw new UsageError(
        `--notify: '${handle}' is not a notification handle; write it like @slack-segment-alerts or @me@example.com`,
      );
    return handle;
  });
  const { rateRaw, p95Raw } = thresholdInputs(inputs);
  const maxP95Ms = parseDuration(p95Raw?.value ?? DEFAULT_MAX_P95, p95Raw?.from ?? "--max-p95");
  if (maxP95Ms < 1) throw new UsageError(`${p95Raw?.from ?? "--max-p95"}: use at least 1ms`);
  const minDeliveries = minDeliveriesOf(inputs);
  const sink = assetSinkOf(inputs);
  // Bucket and delay shape the definitions, and for a sink that takes each bucket once the last read age.
  const { bucketMs, delayMs, sendAgeMs } = assetScheduleOf(inputs, sink);
  const offline = flags.dryRun === true || flags.out !== undefined;
  const settings = offline ? undefined : resolveDatadog(inputs, true);
  const appKey = settings?.appKey;
  if (settings && !appKey) {
    throw new UsageError(
      "DD_APP_KEY is not set; dashboards and monitors need a Datadog application key: export DD_APP_KEY, pass --datadog-app-key-file FILE, or use --dry-run or --out to print the definitions instead",
    );
  }
  registerSecret(settings?.apiKey);
  registerSecret(appKey);
  return {
    sink,
    datadog: settings && appKey ? { ...settings, appKey } : undefined,
    prefix: prefixOf(inputs),
    tags: tagsOf(inputs),
    logLevel,
    requestTimeoutMs: requestTimeoutOf(inputs),
    dryRun: flags.dryRun === true,
    out: flags.out,
    json: flags.json === true,
    minSuccessRate: rateRaw ? parseRate(rateRaw) : DEFAULT_MIN_SUCCESS_RATE,
    maxP95Ms,
    minDeliveries,
    bucketMs,
    delayMs,
    ...(sendAgeMs !== undefined ? { sendAgeMs } : {}),
    eventsGroupBy: eventsGroupByOf(inputs),
    notify,
  };
}
