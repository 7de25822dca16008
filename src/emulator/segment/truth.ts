// Ground truth of the emulated workspace: a pure, deterministic model of delivery metrics, event
// volume, the first Delivery Overview steps (pipeline.ts) and usage, from the fixture seed, the ids
// and the times involved. It is a *model*, not a reconstruction of Segment's pipeline: it only has to
// behave like the real thing where a client can tell (late retries, data that appears once a minute
// has ended, latencies per minute).
import { mulberry32 } from "../faults.js";
import { pushVisible, type ReasonCount, splitReasons, visibilityDelays, type WeightedReason } from "./draws.js";
import type { DestinationHealth, FixtureDestination, FixtureSource, WorkspaceFixture } from "./fixture.js";
import { hashString, mix, unit } from "./hash.js";
import {
  countsByReason,
  destinationMinute,
  FILTERED_AT_DESTINATION,
  FILTERED_AT_SOURCE,
  INGEST_FAILED,
  sourceMinute,
} from "./pipeline.js";
import { computeDailyUsage, type DailyUsage } from "./usage.js";

export const MINUTE_MS = 60_000;
/** Segment retries failed deliveries for up to four hours. */
export const DEFAULT_MAX_RETRY_DELAY_MS = 4 * 60 * MINUTE_MS;

export interface DeliverySummary {
  successes: number;
  successesOnFirstAttempt: number;
  successesAfterRetry: number;
  discarded: number;
  expired: number;
  retried: number;
  /** Latencies in milliseconds (the API does not document the unit; the model uses ms). */
  timeToSuccessAverage: number;
  timeToSuccessP95: number;
  timeToFirstAttemptAverage: number;
  timeToFirstAttemptP95: number;
}

export interface EventKind {
  eventName: string;
  eventType: string;
}

/** Failed deliveries of one connection in one minute for one discard reason (as Segment spells it). */
export type FailedCount = ReasonCount;

/** Failed-delivery codes of the Delivery Overview's discard table (reference §3.G). */
export const DISCARD_REASONS = [
  "INVALID_SETTINGS",
  "429",
  "EREFUSED",
  "UNSUPPORTED_EVENT_TYPE",
  "MESSAGE_REJECTED",
  "400",
  "BAD_REQUEST",
  "ENOTFOUND",
  "INTERNAL",
  "404",
  "307",
  "502",
  "503",
  "RETRY",
  "401",
  "ECONNRESET",
] as const;

/**
 * A connection's reasons, by weight: a main reason of its own, the timeout in both letter cases (the
 * same code from two integrations, which the mapping must sum), and two rarer ones.
 */
function reasonPool(key: number): WeightedReason[] {
  const pick = (salt: number) => DISCARD_REASONS[Math.floor(unit(mix(key, salt)) * DISCARD_REASONS.length)] as string;
  const picks = [...new Set([pick(0xd15c), pick(0xd15d), pick(0xd15e)])];
  return [
    { reason: picks[0] as string, weight: 5 },
    { reason: "ETIMEDOUT", weight: 3 },
    { reason: "etimedout", weight: 1 },
    ...picks.slice(1).map((reason) => ({ reason, weight: 1.5 })),
  ];
}

/**
 * When each of a minute's discards becomes visible, as a delay after the minute's end: most at once
 * (a non-retryable error on the first attempt), some only after retries (an event retried on a 5xx
 * and then discarded on a 4xx), up to the longest retry delay. The summary's `discarded` and the
 * failures by reason both count discard j once `end + delays[j] <= at`, so they agree at any time,
 * and re-reads of recent buckets find late failures to overwrite with.
 */
function discardDelays(key: number, minute: number, discarded: number, failing: boolean, maxDelay: number): number[] {
  return visibilityDelays(key ^ 0x1a7e0d15, minute, discarded, failing ? 0.3 : 0.15, maxDelay);
}

export interface TruthOptions {
  /** Longest retry delay; a retried event that has not succeeded by then expires. Default 4 h. */
  maxRetryDelayMs?: number;
}

interface HealthChange {
  fromMs: number;
  health: DestinationHealth;
}

// Event kinds per source family. Non-track calls carry their type as the name ("Identify",
// "Group") and page/screen calls a fixed "Page Viewed"/"Screen Viewed": a choice of this model.
const WEB_EVENTS: EventKind[] = [
  { eventName: "Page Viewed", eventType: "page" },
  { eventName: "Identify", eventType: "identify" },
  { eventName: "Product Viewed", eventType: "track" },
  { eventName: "Order Completed", eventType: "track" },
  { eventName: "Signed Up", eventType: "track" },
];
const MOBILE_EVENTS: EventKind[] = [
  { eventName: "Screen Viewed", eventType: "screen" },
  { eventName: "Identify", eventType: "identify" },
  { eventName: "Application Opened", eventType: "track" },
  { eventName: "Product Viewed", eventType: "track" },
  { eventName: "Order Completed", eventType: "track" },
];
const SERVER_EVENTS: EventKind[] = [
  { eventName: "Order Completed", eventType: "track" },
  { eventName: "Identify", eventType: "identify" },
  { eventName: "Group", eventType: "group" },
  { eventName: "Subscription Renewed", eventType: "track" },
  { eventName: "Payment Failed", eventType: "track" },
];

interface KindModel extends EventKind {
  rate: number;
  key: number;
  /** Event count per hour index (epoch hours), pure, so cacheable. */
  hours: Map<number, number>;
}

/** Events of one kind in the minute with epoch index `minute`. */
function minuteVolume(kind: KindModel, minute: number): number {
  const h = mix(kind.key, minute);
  if ((h & 0x3ff) < 31) return 0; // a quiet minute (3%); the upper 22 bits give the count
  return Math.floor(kind.rate * (0.5 + (h >>> 10) / 0x400000));
}

/**
 * The first draws of one minute of one connection: undefined for a quiet minute, else its volume and
 * its discards. The summary and the failures by reason both start from it, so their discards agree.
 */
function drawMinute(
  rng: () => number,
  scale: number,
  failing: boolean,
): { volume: number; discarded: number } | undefined {
  if (rng() < 0.04) return undefined; // a quiet minute
  const volume = Math.floor(5 + rng() * 195 * scale);
  const discarded = Math.min(volume, Math.floor(volume * (failing ? 0.3 : 0.01) * (0.5 + rng()) + rng()));
  return { volume, discarded };
}

function emptySummary(): DeliverySummary {
  return {
    successes: 0,
    successesOnFirstAttempt: 0,
    successesAfterRetry: 0,
    discarded: 0,
    expired: 0,
    retried: 0,
    timeToSuccessAverage: 0,
    timeToSuccessP95: 0,
    timeToFirstAttemptAverage: 0,
    timeToFirstAttemptP95: 0,
  };
}

export class SegmentTruth {
  readonly maxRetryDelayMs: number;
  private readonly health = new Map<string, HealthChange[]>();
  private readonly kinds = new Map<string, KindModel[]>();
  private readonly sources: Map<string, FixtureSource>;
  private readonly destinations: Map<string, FixtureDestination>;

  constructor(
    readonly fixture: WorkspaceFixture,
    options: TruthOptions = {},
  ) {
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
    if (!(this.maxRetryDelayMs >= 1)) throw new Error("maxRetryDelayMs must be >= 1");
    for (const d of fixture.destinations) this.health.set(d.id, [{ fromMs: -Infinity, health: d.health }]);
    this.sources = new Map(fixture.sources.map((src) => [src.id, src]));
    this.destinations = new Map(fixture.destinations.map((d) => [d.id, d]));
  }

  source(sourceId: string): FixtureSource | undefined {
    return this.sources.get(sourceId);
  }

  destination(destinationId: string): FixtureDestination | undefined {
    return this.destinations.get(destinationId);
  }

  /**
   * Changes a destination's health for every minute starting at `fromMs` (default: all time, so
   * a check over the last hour sees it at once). Pass the data clock's now for a realistic onset.
   */
  setHealth(destinationId: string, health: DestinationHealth, fromMs = -Infinity): void {
    const timeline = this.health.get(destinationId);
    if (!timeline) throw new Error(`unknown destination ${destinationId}`);
    const kept = timeline.filter((c) => c.fromMs < fromMs);
    kept.push({ fromMs, health });
    this.health.set(destinationId, kept);
  }

  healthAt(destinationId: string, ms: number): DestinationHealth {
    const timeline = this.health.get(destinationId) ?? [];
    let current: DestinationHealth = "healthy";
    for (const c of timeline) if (c.fromMs <= ms) current = c.health;
    return current;
  }

  /**
   * Delivery counts of one connection over the minutes m with startMs <= m < endMs, as observed
   * at atMs. A minute counts once it has ended; a retried event lands (success) or expires later.
   */
  deliverySummary(
    sourceId: string,
    destinationId: string,
    startMs: number,
    endMs: number,
    atMs: number,
  ): DeliverySummary {
    const dest = this.destination(destinationId);
    if (!dest || dest.sourceId !== sourceId) throw new Error(`no connection ${sourceId} -> ${destinationId}`);
    const out = emptySummary();
    if (!dest.enabled) return out;
    const timeline = this.health.get(destinationId) ?? [];
    const constantHealth = timeline.length === 1 ? timeline[0]?.health : undefined;
    const key = this.connectionKey(sourceId, destinationId);
    const scale = 0.3 + 0.7 * unit(mix(key, 0x5ca1e));
    const maxDelay = this.maxRetryDelayMs;
    let ttsWeighted = 0;
    let ttfaWeighted = 0;
    const stop = Math.ceil(endMs / MINUTE_MS);
    for (let i = Math.ceil(startMs / MINUTE_MS); i < stop; i++) {
      const m = i * MINUTE_MS;
      const e = m + MINUTE_MS;
      if (e > atMs) break; // later minutes have not ended either
      const failing = (constantHealth ?? this.healthAt(destinationId, m)) === "failing";
      const rng = mulberry32(mix(key, i));
      const draw = drawMinute(rng, scale, failing);
      if (!draw) continue;
      const { volume, discarded } = draw;
      const retried = Math.min(volume - discarded, failing ? 5 + Math.floor(rng() * 16) : Math.floor(rng() * 6));
      const first = volume - discarded - retried;
      const pSuccess = failing ? 0.5 : 0.9;
      let afterRetry = 0;
      for (let r = 0; r < retried; r++) {
        const u = rng();
        const delay = Math.max(1, Math.ceil(u * u * maxDelay)); // skewed towards short delays
        if (rng() < pSuccess) {
          if (e + delay <= atMs) afterRetry++;
        } else if (e + maxDelay <= atMs) out.expired++;
      }
      const ttfaAvg = Math.round(failing ? 2000 + rng() * 6000 : 150 + rng() * 450);
      const ttfaP95 = Math.round(ttfaAvg * (1.5 + rng() * 1.5));
      const ttsAvg = Math.round(ttfaAvg + (failing ? 4000 + rng() * 16000 : 40 + rng() * 260));
      const ttsP95 = Math.max(ttfaP95, Math.round(ttsAvg * (1.5 + rng() * 1.5)));
      out.successesOnFirstAttempt += first;
      out.successesAfterRetry += afterRetry;
      if (discarded > 0) {
        for (const delay of discardDelays(key, i, discarded, failing, maxDelay)) if (e + delay <= atMs) out.discarded++;
      }
      out.retried += retried;
      const successes = first + afterRetry;
      if (successes > 0) {
        ttsWeighted += ttsAvg * successes;
        ttfaWeighted += ttfaAvg * successes;
        out.timeToSuccessP95 = Math.max(out.timeToSuccessP95, ttsP95);
        out.timeToFirstAttemptP95 = Math.max(out.timeToFirstAttemptP95, ttfaP95);
      }
    }
    out.successes = out.successesOnFirstAttempt + out.successesAfterRetry;
    if (out.successes > 0) {
      out.timeToSuccessAverage = Math.round(ttsWeighted / out.successes);
      out.timeToFirstAttemptAverage = Math.round(ttfaWeighted / out.successes);
    }
    return out;
  }

  /**
   * Failed deliveries by discard reason of one connection, per minute m with startMs <= m < endMs
   * that has ended by atMs. Per minute the counts add up exactly to that minute's `discarded` in
   * deliverySummary at the same atMs: the same draws decide the total, a separate stream splits it
   * into reasons, and both count a discard only once it is visible (some are late: discardDelays).
   */
  failedByReason(sourceId: string, destinationId: string, startMs: number, endMs: number, atMs: number): FailedCount[] {
    const dest = this.destination(destinationId);
    if (!dest || dest.sourceId !== sourceId) throw new Error(`no connection ${sourceId} -> ${destinationId}`);
    const out: FailedCount[] = [];
    if (!dest.enabled) return out;
    const key = this.connectionKey(sourceId, destinationId);
    const scale = 0.3 + 0.7 * unit(mix(key, 0x5ca1e));
    const pool = reasonPool(key);
    const stop = Math.min(Math.ceil(endMs / MINUTE_MS), Math.floor(atMs / MINUTE_MS)); // minute must have ended
    for (let i = Math.ceil(startMs / MINUTE_MS); i < stop; i++) {
      const m = i * MINUTE_MS;
      const failing = this.healthAt(destinationId, m) === "failing";
      const discarded = drawMinute(mulberry32(mix(key, i)), scale, failing)?.discarded ?? 0;
      if (discarded === 0) continue;
      const split = splitReasons(pool, mulberry32(mix(key ^ 0x0fa11ed, i)), discarded);
      pushVisible(out, m, split, discardDelays(key, i, discarded, failing, this.maxRetryDelayMs), atMs, MINUTE_MS);
    }
    return out;
  }

  private connectionKey(sourceId: string, destinationId: string): number {
    return hashString(destinationId, hashString(sourceId, mix(this.fixture.seed, 1)));
  }

  // The first pipeline steps (model and how they relate: pipeline.ts). Reasons are as Segment spells
  // them; each accessor counts a minute once it has ended, and a late unit once it is visible at atMs.

  /** Delivery Overview `successfully-received`: the source's event volume, by definition of the model. */
  received(sourceId: string, startMs: number, endMs: number, atMs: number): number {
    return this.eventVolume(sourceId, startMs, endMs, atMs);
  }

  /** Events of one source that failed on ingest (not part of received), per minute and reason. */
  ingestFailedByReason(sourceId: string, startMs: number, endMs: number, atMs: number): ReasonCount[] {
    const key = this.sourceKey(sourceId);
    return countsByReason(
      INGEST_FAILED,
      key,
      { startMs, endMs, atMs, maxDelayMs: this.maxRetryDelayMs },
      (i) => sourceMinute(key, i, this.receivedInMinute(sourceId, i)).ingestFailed,
    );
  }

  /** Received events of one source filtered at the source, per minute and reason. */
  filteredAtSourceByReason(sourceId: string, startMs: number, endMs: number, atMs: number): ReasonCount[] {
    const key = this.sourceKey(sourceId);
    return countsByReason(
      FILTERED_AT_SOURCE,
      key,
      { startMs, endMs, atMs, maxDelayMs: this.maxRetryDelayMs },
      (i) => sourceMinute(key, i, this.receivedInMinute(sourceId, i)).filteredAtSource,
    );
  }

  /** Events of one connection filtered at the destination, per minute and reason; none when disabled. */
  filteredAtDestinationByReason(
    sourceId: string,
    destinationId: string,
    startMs: number,
    endMs: number,
    atMs: number,
  ): ReasonCount[] {
    const dest = this.destination(destinationId);
    if (!dest || dest.sourceId !== sourceId) throw new Error(`no connection ${sourceId} -> ${destinationId}`);
    if (!dest.enabled) return [];
    const sourceKey = this.sourceKey(sourceId);
    const key = hashString(destinationId, hashString(sourceId, mix(this.fixture.seed, 5)));
    return countsByReason(
      FILTERED_AT_DESTINATION,
      key,
      { startMs, endMs, atMs, maxDelayMs: this.maxRetryDelayMs },
      (i) => {
        const received = this.receivedInMinute(sourceId, i);
        return destinationMinute(key, i, received - sourceMinute(sourceKey, i, received).filteredAtSource);
      },
    );
  }

  private sourceKey(sourceId: string): number {
    if (!this.source(sourceId)) throw new Error(`unknown source ${sourceId}`);
    return hashString(sourceId, mix(this.fixture.seed, 4));
  }

  /** Events received by a source in epoch minute `minute` (complete once the minute has ended). */
  private receivedInMinute(sourceId: string, minute: number): number {
    let n = 0;
    for (const kind of this.kindsOf(sourceId)) n += minuteVolume(kind, minute);
    return n;
  }

  /** The 3–5 (eventName, eventType) pairs a source sends, in a fixed order. */
  eventKinds(sourceId: string): EventKind[] {
    return this.kindsOf(sourceId).map(({ eventName, eventType }) => ({ eventName, eventType }));
  }

  /** Valid events received by a source over minutes in [startMs, endMs) that have ended by atMs. */
  eventVolume(
    sourceId: string,
    startMs: number,
    endMs: number,
    atMs: number,
    filter: { eventName?: string; eventType?: string } = {},
  ): number {
    let total = 0;
    // Integer minute indices (doubles past 2^31 ms are ~3x slower to step and hash).
    const first = Math.ceil(startMs / MINUTE_MS);
    const stop = Math.min(Math.ceil(endMs / MINUTE_MS), Math.floor(atMs / MINUTE_MS)); // minute must have ended
    for (const kind of this.kindsOf(sourceId)) {
      if (filter.eventName !== undefined && filter.eventName !== kind.eventName) continue;
      if (filter.eventType !== undefined && filter.eventType !== kind.eventType) continue;
      for (let i = first; i < stop; ) {
        if (i % 60 === 0 && i + 60 <= stop) {
          total += this.hourVolume(kind, i / 60); // whole ended hours are cached: DAY windows stay cheap
          i += 60;
        } else {
          total += minuteVolume(kind, i);
          i += 1;
        }
      }
    }
    return total;
  }

  private hourVolume(kind: KindModel, hour: number): number {
    const cached = kind.hours.get(hour);
    if (cached !== undefined) return cached;
    let sum = 0;
    for (let i = hour * 60; i < hour * 60 + 60; i++) sum += minuteVolume(kind, i);
    if (kind.hours.size > 50_000) kind.hours.clear(); // bound memory for long-running sandboxes
    kind.hours.set(hour, sum);
    return sum;
  }

  /** Month-to-date usage rows of the month starting at `period` (YYYY-MM-01) for days begun by atMs. */
  dailyUsage(period: string, atMs: number): DailyUsage {
    return computeDailyUsage(this.fixture, period, atMs);
  }

  private kindsOf(sourceId: string): KindModel[] {
    const cached = this.kinds.get(sourceId);
    if (cached) return cached;
    const src = this.source(sourceId);
    if (!src) throw new Error(`unknown source ${sourceId}`);
    const slug = src.catalog.slug;
    const pool =
      slug === "javascript" ? WEB_EVENTS : slug === "ios" || slug === "android" ? MOBILE_EVENTS : SERVER_EVENTS;
    const base = hashString(sourceId, mix(this.fixture.seed, 2));
    const count = 3 + Math.floor(unit(base) * 3);
    const kinds = pool.slice(0, count).map((k) => {
      const key = hashString(`${k.eventType}:${k.eventName}`, base);
      const u = unit(mix(key, 3));
      const rate =
        k.eventType === "page" || k.eventType === "screen"
          ? 20 + u * 60
          : k.eventType === "track"
            ? 1 + u * 40
            : 2 + u * 8;
      return { ...k, rate, key, hours: new Map<number, number>() };
    });
    this.kinds.set(sourceId, kinds);
    return kinds;
  }
}

export function createTruth(fixture: WorkspaceFixture, options: TruthOptions = {}): SegmentTruth {
  return new SegmentTruth(fixture, options);
}
