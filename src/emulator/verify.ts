// Compares what a backend stored with the Segment emulator's ground truth, bucket by bucket: every
// expected point present, every value exact, counts as counts, latencies as gauges. The checks read
// Datadog's point store; `newRelicPoints` and `remoteWritePoints` show the other backends' stores in
// that shape (New Relic: the sum of a window's count points, what NRQL's sum() adds up), and a
// `Naming` says how a backend names and scales a series (remote write: `_seconds`, in seconds).
import { PIPELINE_SERIES } from "../mapping/pipeline.js";
import type { MetricUnit } from "../mapping/types.js";
import { reasonTag } from "../reasons/tag.js";
import { remoteWriteName, remoteWriteValue } from "../sinks/prometheus/names.js";
import type { PointStore, StoredPoint } from "./datadog/types.js";
import type { NewRelicEmulator } from "./newrelic/types.js";
import type { StoredSeries } from "./prometheus/types.js";
import type { SegmentEmulator } from "./segment/server.js";
import type { DeliverySummary } from "./segment/truth.js";

/** How a backend names a series of design §5 and writes its value; `types`: whether it keeps count vs gauge. */
export interface Naming {
  metric(name: string, unit?: MetricUnit): string;
  value(value: number, unit?: MetricUnit): number;
  types: boolean;
}

/** Datadog and New Relic: the names and values of design §5's table as they are. */
export const AS_SENT: Naming = { metric: (name) => name, value: (value) => value, types: true };

/** Remote write: `<p>_…` with underscores, latencies in seconds under `_seconds`; every series a gauge. */
export const REMOTE_WRITE_NAMING: Naming = { metric: remoteWriteName, value: remoteWriteValue, types: false };

type Store = Pick<PointStore, "all">;

const tagsOf = (labels: Record<string, string | number | boolean>): string[] =>
  Object.entries(labels)
    .map(([k, v]) => `${k}:${String(v)}`.toLowerCase())
    .sort();

/**
 * New Relic's stored points as one point per (name, attributes, timestamp): a count holds the sum of
 * every count point stored for it (what NRQL's sum() returns), `writes` how many there were; a gauge
 * stored twice with two values holds NaN (no single value to compare).
 */
export function newRelicPoints(emulator: Pick<NewRelicEmulator, "points">): Store {
  return {
    all: () => {
      const byKey = new Map<string, StoredPoint>();
      for (const p of emulator.points()) {
        if (typeof p.value !== "number") continue;
        const tags = tagsOf(p.attributes);
        const key = JSON.stringify([p.name, p.type, tags, p.timestampMs]);
        const found = byKey.get(key);
        if (found) {
          found.writes += 1;
          found.value = p.type === "count" ? found.value + p.value : found.value === p.value ? p.value : Number.NaN;
          continue;
        }
        byKey.set(key, {
          metric: p.name,
          tags,
          timestamp: p.timestampMs / 1000,
          value: p.value,
          type: p.type === "count" ? 1 : 3,
          ...(p.intervalMs !== undefined ? { interval: p.intervalMs / 1000 } : {}),
          writes: 1,
          lastWriteAt: p.receivedAt,
        });
      }
      return [...byKey.values()];
    },
  };
}

/** Remote-write series (the emulator's, or a real Prometheus' read back) as one point per sample. */
export function remoteWritePoints(series: () => readonly StoredSeries[]): Store {
  return {
    all: () =>
      series().flatMap((s) => {
        const { __name__: metric = "", ...labels } = s.labels;
        const tags = tagsOf(labels);
        return s.samples.map(
          (x): StoredPoint => ({
            metric,
            tags,
            timestamp: x.timestampMs / 1000,
            value: x.value,
            type: 3,
            writes: 1,
            lastWriteAt: 0,
          }),
        );
      }),
  };
}

/** Ground-truth field → series suffix and Datadog type (1 count, 3 gauge): design §5. */
export const TRUTH_SERIES: ReadonlyArray<[keyof DeliverySummary, string, 1 | 3]> = [
  ["successes", "delivery.successes", 1],
  ["successesOnFirstAttempt", "delivery.successes.first_attempt", 1],
  ["successesAfterRetry", "delivery.successes.after_retry", 1],
  ["discarded", "delivery.discarded", 1],
  ["expired", "delivery.expired", 1],
  ["retried", "delivery.retried", 1],
  ["timeToSuccessAverage", "delivery.time_to_success.avg", 3],
  ["timeToSuccessP95", "delivery.time_to_success.p95", 3],
  ["timeToFirstAttemptAverage", "delivery.time_to_first_attempt.avg", 3],
  ["timeToFirstAttemptP95", "delivery.time_to_first_attempt.p95", 3],
];

export interface TruthCheck {
  /** Points compared. */
  checked: number;
  problems: string[];
}

export interface CheckWindow {
  prefix: string;
  bucketMs: number;
  from: number;
  to: number;
  /** The data-clock time the truth is taken at (the time of the last read). */
  at: number | ((bucketStart: number) => number);
  /** Limit to these source ids (default: all). */
  sources?: readonly string[];
  /** How the backend names series and writes values (default: as sent, Datadog's names). */
  naming?: Naming;
}

function index(store: Store, tagKey: string): Map<string, StoredPoint> {
  const byKey = new Map<string, StoredPoint>();
  for (const p of store.all()) {
    const tag = p.tags.find((t) => t.startsWith(`${tagKey}:`));
    if (tag) byKey.set(`${p.metric}|${tag}|${p.timestamp}`, p);
  }
  return byKey;
}

function compare(
  result: TruthCheck,
  found: StoredPoint | undefined,
  what: string,
  expected: number,
  type: 1 | 3,
  intervalS: number,
  naming: Naming = AS_SENT,
) {
  result.checked += 1;
  if (!found) result.problems.push(`${what}: missing (expected ${expected})`);
  else if (found.value !== expected) result.problems.push(`${what}: stored ${found.value}, truth ${expected}`);
  else if (!naming.types) return;
  else if (found.type !== type) result.problems.push(`${what}: type ${found.type}, expected ${type}`);
  else if (type === 1 && found.interval !== intervalS) result.problems.push(`${what}: interval ${found.interval}`);
}

/** The series name and expected value of a truth field on the backend: latency gauges are milliseconds. */
function named(naming: Naming, prefix: string, suffix: string, type: 1 | 3, truth: number) {
  const unit: MetricUnit | undefined = type === 3 ? "milliseconds" : undefined;
  return { metric: naming.metric(`${prefix}.${suffix}`, unit), expected: naming.value(truth, unit) };
}

export function checkDelivery(segment: SegmentEmulator, store: Store, window: CheckWindow): TruthCheck {
  const result: TruthCheck = { checked: 0, problems: [] };
  const naming = window.naming ?? AS_SENT;
  const stored = index(store, "destination_id");
  const sources = new Map(segment.fixture.sources.map((s) => [s.id, s]));
  for (const d of segment.fixture.destinations) {
    const source = sources.get(d.sourceId);
    if (!d.enabled || !source?.enabled) continue;
    if (window.sources && !window.sources.includes(source.id)) continue;
    for (let t = window.from; t < window.to; t += window.bucketMs) {
      const at = typeof window.at === "function" ? window.at(t) : window.at;
      const truth = segment.truth.deliverySummary(source.id, d.id, t, t + window.bucketMs, at);
      for (const [field, suffix, type] of TRUTH_SERIES) {
        const { metric, expected } = named(naming, window.prefix, suffix, type, truth[field]);
        const found = stored.get(`${metric}|destination_id:${d.id.toLowerCase()}|${t / 1000}`);
        const what = `${metric} ${source.slug}→${d.name || d.catalog.name} @${new Date(t).toISOString()}`;
        compare(result, found, what, expected, type, window.bucketMs / 1000, naming);
      }
    }
  }
  return result;
}

export function checkEventVolume(segment: SegmentEmulator, store: Store, window: CheckWindow): TruthCheck {
  const result: TruthCheck = { checked: 0, problems: [] };
  const naming = window.naming ?? AS_SENT;
  const stored = index(store, "source_id");
  const metric = naming.metric(`${window.prefix}.events.volume`);
  for (const source of segment.fixture.sources) {
    if (window.sources && !window.sources.includes(source.id)) continue;
    for (let t = window.from; t < window.to; t += window.bucketMs) {
      const at = typeof window.at === "function" ? window.at(t) : window.at;
      const expected = segment.truth.eventVolume(source.id, t, t + window.bucketMs, at);
      const found = stored.get(`${metric}|source_id:${source.id.toLowerCase()}|${t / 1000}`);
      compare(
        result,
        found,
        `${metric} ${source.slug} @${new Date(t).toISOString()}`,
        expected,
        1,
        window.bucketMs / 1000,
        naming,
      );
    }
  }
  return result;
}

const MTU_FIELDS = [
  ["anonymous", "anonymous"],
  ["anonymousIdentified", "anonymous_identified"],
  ["identified", "identified"],
  ["neverIdentified", "never_identified"],
] as const;

/**
 * Usage gauges stamped at `timestamp` (s) against the newest day of the month at `at`: per source
 * for each MTU type and API calls, and the workspace's own totals (never a sum over sources).
 */
export function checkUsage(
  segment: SegmentEmulator,
  store: Store,
  args: { prefix: string; at: number; timestamp: number; naming?: Naming },
): TruthCheck {
  const naming = args.naming ?? AS_SENT;
  const result: TruthCheck = { checked: 0, problems: [] };
  const day = new Date(args.at).toISOString().slice(0, 10);
  const usage = segment.truth.dailyUsage(`${day.slice(0, 8)}01`, args.at);
  const find = (metric: string, tags: string[]) =>
    store
      .all()
      .find(
        (p) =>
          p.metric === metric &&
          p.timestamp === args.timestamp &&
          tags.every((t) => p.tags.includes(t)) &&
          (tags.some((t) => t.startsWith("source_id:")) || !p.tags.some((t) => t.startsWith("source_id:"))),
      );
  const mtu = naming.metric(`${args.prefix}.usage.mtu`);
  const calls = naming.metric(`${args.prefix}.usage.api_calls`);
  for (const row of usage.sources.filter((r) => r.day === day)) {
    const source = `source_id:${row.sourceId.toLowerCase()}`;
    for (const [field, type] of MTU_FIELDS) {
      compare(
        result,
        find(mtu, [source, `mtu_type:${type}`]),
        `${mtu} ${row.sourceId} ${type}`,
        Number(row.mtu[field]),
        3,
        0,
        naming,
      );
    }
    compare(result, find(calls, [source]), `${calls} ${row.sourceId}`, Number(row.apiCalls), 3, 0, naming);
  }
  for (const row of usage.workspace.filter((r) => r.day === day)) {
    for (const [field, type] of MTU_FIELDS) {
      compare(
        result,
        find(mtu, [`mtu_type:${type}`]),
        `${mtu} workspace ${type}`,
        Number(row.mtu[field]),
        3,
        0,
        naming,
      );
    }
    compare(result, find(calls, []), `${calls} workspace`, Number(row.apiCalls), 3, 0, naming);
  }
  return result;
}

/**
 * `<p>.delivery.failed` (design §5, Error details) against the truth: per connection, bucket and
 * reason tag (the code lowercased) one count point holding the sum of the truth's failures, and no
 * stored point the truth does not have (a reason counted twice, or under a tag it does not map to).
 * Every emulated code is a valid tag once lowercased, so no `other`/`unknown` is expected.
 */
export function checkFailures(segment: SegmentEmulator, store: Store, window: CheckWindow): TruthCheck {
  const result: TruthCheck = { checked: 0, problems: [] };
  const naming = window.naming ?? AS_SENT;
  const metric = naming.metric(`${window.prefix}.delivery.failed`);
  const stored = new Map<string, StoredPoint>();
  for (const p of store.all()) {
    if (p.metric !== metric) continue;
    const dest = p.tags.find((t) => t.startsWith("destination_id:"));
    const reason = p.tags.find((t) => t.startsWith("reason:"));
    if (dest && reason) stored.set(`${dest}|${reason}|${p.timestamp}`, p);
  }
  const expected = new Set<string>();
  const covered = new Set<string>();
  const sources = new Map(segment.fixture.sources.map((s) => [s.id, s]));
  for (const d of segment.fixture.destinations) {
    const source = sources.get(d.sourceId);
    if (!d.enabled || !source?.enabled) continue;
    if (window.sources && !window.sources.includes(source.id)) continue;
    covered.add(`destination_id:${d.id.toLowerCase()}`);
    for (let t = window.from; t < window.to; t += window.bucketMs) {
      const at = typeof window.at === "function" ? window.at(t) : window.at;
      const byReason = new Map<string, number>();
      for (const f of segment.truth.failedByReason(source.id, d.id, t, t + window.bucketMs, at)) {
        const reason = f.reason.toLowerCase();
        byReason.set(reason, (byReason.get(reason) ?? 0) + f.count);
      }
      for (const [reason, count] of byReason) {
        const key = `destination_id:${d.id.toLowerCase()}|reason:${reason}|${t / 1000}`;
        expected.add(key);
        const what = `${metric} ${source.slug}→${d.name || d.catalog.name} reason:${reason} @${new Date(t).toISOString()}`;
        compare(result, stored.get(key), what, count, 1, window.bucketMs / 1000, naming);
      }
    }
  }
  for (const [key, p] of stored) {
    const inWindow = p.timestamp * 1000 >= window.from && p.timestamp * 1000 < window.to;
    if (inWindow && covered.has(key.split("|")[0] ?? "") && !expected.has(key))
      result.problems.push(`${metric} ${key}: stored ${p.value}, truth has none`);
  }
  return result;
}

/**
 * The pipeline steps (design §5, The pipeline) against the truth: per source and bucket,
 * `<p>.pipeline.received` (zeros included), and per source (or connection) bucket and reason tag
 * (normalised as the contract says: lowercased, `unknown`, `other`, summed where codes meet) one count
 * of failed on ingest, filtered at source and filtered at destination; and no stored point the truth
 * does not have. Every source the fixture lists is exported (with or without destinations).
 */
export function checkPipeline(segment: SegmentEmulator, store: Store, window: CheckWindow): TruthCheck {
  const result: TruthCheck = { checked: 0, problems: [] };
  const naming = window.naming ?? AS_SENT;
  const B = window.bucketMs;
  const at = (t: number) => (typeof window.at === "function" ? window.at(t) : window.at);
  const sources = segment.fixture.sources.filter((s) => !window.sources || window.sources.includes(s.id));
  const byReason = (counts: ReadonlyArray<{ reason: string; count: number }>) => {
    const sums = new Map<string, number>();
    for (const c of counts) sums.set(reasonTag(c.reason), (sums.get(reasonTag(c.reason)) ?? 0) + c.count);
    return [...sums].filter(([, n]) => n > 0);
  };
  const steps: Array<{
    suffix: string;
    entity: "source_id" | "destination_id";
    expected: (t: number) => Array<{ id: string; label: string; reason?: string; count: number }>;
  }> = [
    {
      suffix: PIPELINE_SERIES.received,
      entity: "source_id",
      expected: (t) =>
        sources.map((s) => ({ id: s.id, label: s.slug, count: segment.truth.received(s.id, t, t + B, at(t)) })),
    },
    {
      suffix: PIPELINE_SERIES.ingestFailed,
      entity: "source_id",
      expected: (t) =>
        sources.flatMap((s) =>
          byReason(segment.truth.ingestFailedByReason(s.id, t, t + B, at(t))).map(([reason, count]) => ({
            id: s.id,
            label: s.slug,
            reason,
            count,
          })),
        ),
    },
    {
      suffix: PIPELINE_SERIES.filteredAtSource,
      entity: "source_id",
      expected: (t) =>
        sources.flatMap((s) =>
          byReason(segment.truth.filteredAtSourceByReason(s.id, t, t + B, at(t))).map(([reason, count]) => ({
            id: s.id,
            label: s.slug,
            reason,
            count,
          })),
        ),
    },
    {
      suffix: PIPELINE_SERIES.filteredAtDestination,
      entity: "destination_id",
      expected: (t) =>
        segment.fixture.destinations
          .filter((d) => d.enabled && sources.some((s) => s.id === d.sourceId && s.enabled))
          .flatMap((d) =>
            byReason(segment.truth.filteredAtDestinationByReason(d.sourceId, d.id, t, t + B, at(t))).map(
              ([reason, count]) => ({ id: d.id, label: d.name || d.catalog.name, reason, count }),
            ),
          ),
    },
  ];
  for (const step of steps) {
    const metric = naming.metric(`${window.prefix}.${step.suffix}`);
    const keyOf = (id: string, reason: string | undefined, ts: number) =>
      `${step.entity}:${id.toLowerCase()}|${reason ?? ""}|${ts}`;
    const stored = new Map<string, StoredPoint>();
    for (const p of store.all()) {
      if (p.metric !== metric) continue;
      const id = p.tags.find((t) => t.startsWith(`${step.entity}:`))?.slice(step.entity.length + 1);
      const reason = p.tags.find((t) => t.startsWith("reason:"))?.slice("reason:".length);
      if (id !== undefined) stored.set(keyOf(id, reason, p.timestamp), p);
    }
    const expected = new Set<string>();
    for (let t = window.from; t < window.to; t += B) {
      for (const e of step.expected(t)) {
        const key = keyOf(e.id, e.reason, t / 1000);
        expected.add(key);
        const what = `${metric} ${e.label}${e.reason ? ` reason:${e.reason}` : ""} @${new Date(t).toISOString()}`;
        compare(result, stored.get(key), what, e.count, 1, B / 1000, naming);
      }
    }
    for (const [key, p] of stored) {
      const inWindow = p.timestamp * 1000 >= window.from && p.timestamp * 1000 < window.to;
      if (inWindow && !expected.has(key)) result.problems.push(`${metric} ${key}: stored ${p.value}, truth has none`);
    }
  }
  return result;
}
