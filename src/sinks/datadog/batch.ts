// Packs points into as few `POST /api/v2/series` payloads as the intake's limits allow
// (reference §4.1–4.2). Pure. Points of one series go into one series entry with several points;
// duplicate points (same metric, tags, timestamp) are collapsed first, last one wins, because the
// intake would keep only one of them anyway (§5.1). The compressed-size limit is checked where the
// body is compressed, once per request body (encode.ts).
import { tagString } from "../../mapping/tags.js";
import type { MetricPoint, Tag } from "../../mapping/types.js";
import type { OwnedPoint, SubmissionLimits, SubmissionSize } from "../types.js";

/** The v2 wire shape of one series (JSON names equal the client's model names for these fields). */
export interface SeriesPayload {
  metric: string;
  type: 1 | 3;
  interval?: number;
  points: Array<{ timestamp: number; value: number }>;
  tags: string[];
}

/**
 * The points of a submission, one slot per point in flat arrays shared by all its series, each
 * series' points chained through `next`: three small arrays per series were ~0.3 KB a series, most
 * of it the spare room a growing array keeps. Numbers sit in typed arrays, outside the garbage
 * collected heap: in plain arrays a latency value was a heap number of its own, and the tens of
 * thousands of points of a batch were copied by every young-generation collection they outlived.
 */
export class PointSlots {
  timestamps = new Float64Array(256);
  values = new Float64Array(256);
  /** The next slot of the same series, or -1. */
  next = new Int32Array(256);
  /** The owner (a bucket of a stream) of each point. */
  readonly owners: string[] = [];
  /** Slots in use. */
  length = 0;

  /** A new slot holding this point, chained to nothing yet. */
  push(timestamp: number, value: number, owner: string): number {
    if (this.length === this.next.length) this.grow();
    const slot = this.length++;
    this.timestamps[slot] = timestamp;
    this.values[slot] = value;
    this.next[slot] = -1;
    this.owners.push(owner);
    return slot;
  }

  private grow(): void {
    const size = this.next.length * 2;
    this.timestamps = copied(this.timestamps, new Float64Array(size));
    this.values = copied(this.values, new Float64Array(size));
    this.next = copied(this.next, new Int32Array(size));
  }
}

/** `to` holding `from`'s elements at its start. */
function copied<T extends Float64Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * One series of a submission as it is grouped, before it is written: a chain of `count` slots from
 * `first`. Its tags stay the stream's own pairs (shared, not copied); their `k:v` strings are made
 * when the series is written.
 */
export interface SeriesEntry {
  metric: string;
  type: 1 | 3;
  interval?: number | undefined;
  tags: readonly Tag[];
  /** JSON bytes of the tags' `k:v` strings, commas included, brackets not. */
  tagBytes: number;
  slots: PointSlots;
  first: number;
  count: number;
  /** The chain's last slot (where the next point is linked). */
  last: number;
}

/** The slots of a series, in arrival order. */
export function slotsOf(entry: SeriesEntry): number[] {
  const out: number[] = [];
  for (let i = entry.first, k = 0; k < entry.count; k++, i = entry.slots.next[i] ?? -1) out.push(i);
  return out;
}

/** A series' timestamps, in arrival order. */
export function timestampsOf(entry: SeriesEntry): number[] {
  return slotsOf(entry).map((i) => entry.slots.timestamps[i] ?? 0);
}

export interface Batch {
  series: SeriesEntry[];
  points: number;
  /** Uncompressed JSON size of `{"series":[…]}`. */
  bytes: number;
}

export function ownersOf(batch: Batch): Set<string> {
  const owners = new Set<string>();
  for (const s of batch.series) for (const i of slotsOf(s)) owners.add(s.slots.owners[i] ?? "");
  return owners;
}

export interface BatchLimits {
  maxPoints: number;
  maxUncompressedBytes: number;
}

/**
 * The documented limit minus a safety margin: decompressed JSON under 5 MB (§4.1). The API
 * documents no point limit (§4.2: the 10 000 is the Agent's own setting), so requests are filled
 * by bytes; the point cap only bounds one pathological series.
 */
export const DATADOG_LIMITS: BatchLimits = {
  maxPoints: 100_000,
  maxUncompressedBytes: 5_000_000,
};

/** A submission is handed over once its JSON reaches this: one request of < 5 MB. */
export const DATADOG_SUBMISSION: SubmissionLimits = { bytes: 4_900_000, points: DATADOG_LIMITS.maxPoints };

const ENVELOPE_BYTES = Buffer.byteLength('{"series":[]}');

/** One distinct tag set of a submission: the JSON size of its `k:v` strings and its series. */
interface TagSet {
  tagBytes: number;
  /** By metric; a second (kind, interval) of one metric, which no kind emits, by a longer key. */
  series: Map<string, SeriesEntry>;
}

/** Points a series has before its timestamps are indexed rather than walked. */
const LONG_SERIES = 32;

/** A tag set's identity whatever the order of its pairs: its sorted `k:v` strings. */
function tagSetKey(tags: readonly Tag[]): string {
  return tags.map(tagString).sort().join("\u0000");
}

/**
 * Points grouped into series as they arrive, with the JSON size of the submission they make counted
 * from lengths (never by serialising). The batcher fills a submission with it, and the sink writes the
 * same groups, so points are grouped once. Series are found through the tags array the points share
 * (a job's points share one) and then the metric, so a point costs no string key; a tag set's identity
 * is made once per array and submission, and dropped with the submission (a run-wide cache of `k:v`
 * strings held ~0.7 KB a connection to the end). Equal tag sets in different arrays meet in one series.
 * A second point of a series at the same timestamp replaces the first: the intake would keep only one
 * of them anyway (§5.1), and the last read is the newest.
 */
export class SeriesGroups implements SubmissionSize {
  readonly holdsPoints = true;
  bytes = ENVELOPE_BYTES;
  /** Distinct points held (a replaced point counts once). */
  points = 0;
  readonly series: SeriesEntry[] = [];
  private readonly slots = new PointSlots();
  private readonly longSeries = new Map<SeriesEntry, Map<number, number>>();
  private sealed = false;
  private readonly byArray = new Map<readonly Tag[], TagSet>();
  private readonly byKey = new Map<string, TagSet>();

  add(p: OwnedPoint | MetricPoint): void {
    if (this.sealed) throw new Error("SeriesGroups: add after seal (a batch being sent takes no more points)");
    const owner = (p as Partial<OwnedPoint>).owner ?? "";
    const set = this.tagSetOf(p.tags);
    const type = p.kind === "count" ? 1 : 3;
    let entry = set.series.get(p.metric);
    if (entry && (entry.type !== type || entry.interval !== p.intervalS)) {
      const variant = `${p.metric}\u0000${type}\u0000${p.intervalS ?? ""}`;
      entry = set.series.get(variant) ?? this.open(set, variant, p, type);
    } else if (!entry) {
      entry = this.open(set, p.metric, p, type);
    }
    const { slots } = entry;
    const same = this.slotAt(entry, p.timestamp);
    if (same !== undefined) {
      this.bytes += pointJsonBytes(p.timestamp, p.value) - pointJsonBytes(p.timestamp, slots.values[same] ?? 0);
      slots.values[same] = p.value;
      slots.owners[same] = owner;
      return;
    }
    this.bytes += pointJsonBytes(p.timestamp, p.value) + (entry.count > 0 ? 1 : 0);
    const slot = slots.push(p.timestamp, p.value, owner);
    if (entry.count === 0) entry.first = slot;
    else slots.next[entry.last] = slot;
    entry.last = slot;
    entry.count += 1;
    this.longSeries.get(entry)?.set(p.timestamp, slot);
    this.points += 1;
  }

  /**
   * Drops what only adding needs (how a tags array or a tag set finds its series): the batch being
   * sent keeps its series and points only, while the next one fills.
   */
  seal(): void {
    this.byArray.clear();
    this.byKey.clear();
    this.longSeries.clear();
    this.sealed = true;
  }

  /**
   * The slot of the series' point at `timestamp`, if it has one: along the chain for the few points
   * a series has in a batch, through an index once it is long (a backfill of one connection).
   */
  private slotAt(entry: SeriesEntry, timestamp: number): number | undefined {
    const { slots } = entry;
    let index = this.longSeries.get(entry);
    if (!index && entry.count >= LONG_SERIES) {
      index = new Map(slotsOf(entry).map((i) => [slots.timestamps[i] ?? 0, i]));
      this.longSeries.set(entry, index);
    }
    if (index) return index.get(timestamp);
    for (let i = entry.first, k = 0; k < entry.count; k++, i = slots.next[i] ?? -1) {
      if (slots.timestamps[i] === timestamp) return i;
    }
    return undefined;
  }

  private open(set: TagSet, key: string, p: MetricPoint, type: 1 | 3): SeriesEntry {
    const entry: SeriesEntry = {
      metric: p.metric,
      type,
      interval: p.intervalS,
      tags: p.tags,
      tagBytes: set.tagBytes,
      slots: this.slots,
      first: -1,
      count: 0,
      last: -1,
    };
    set.series.set(key, entry);
    this.series.push(entry);
    this.bytes += seriesJsonBytes(entry.metric, entry.interval, entry.tagBytes) + (this.series.length > 1 ? 1 : 0);
    return entry;
  }

  private tagSetOf(tags: readonly Tag[]): TagSet {
    let set = this.byArray.get(tags);
    if (set) return set;
    const key = tagSetKey(tags);
    set = this.byKey.get(key);
    if (!set) {
      set = { tagBytes: tagListBytes(tags), series: new Map() };
      this.byKey.set(key, set);
    }
    this.byArray.set(tags, set);
    return set;
  }
}

/** One series in the v2 wire shape, its points in time order (for the dry run and tests). */
export function payloadOf(entry: SeriesEntry): SeriesPayload {
  return {
    metric: entry.metric,
    type: entry.type,
    ...(entry.interval !== undefined ? { interval: entry.interval } : {}),
    points: pointOrder(entry).map((i) => ({
      timestamp: entry.slots.timestamps[i] ?? 0,
      value: entry.slots.values[i] ?? 0,
    })),
    tags: entry.tags.map(tagString),
  };
}

/** The slots of a series' points in time order (points mostly arrive in order already). */
function pointOrder(entry: SeriesEntry): number[] {
  const { timestamps } = entry.slots;
  return slotsOf(entry).sort((a, b) => (timestamps[a] ?? 0) - (timestamps[b] ?? 0));
}

/** Points grouped into series (SeriesGroups), when no measure grouped them as they came. */
export function groupPoints(points: readonly OwnedPoint[]): SeriesGroups {
  const groups = new SeriesGroups();
  for (const p of points) groups.add(p);
  return groups;
}

/** Groups points into series; a later point of a series at the same timestamp replaces an earlier one. */
export function toSeries(points: readonly OwnedPoint[]): Array<{ payload: SeriesPayload; owners: string[] }> {
  return groupPoints(points).series.map((entry) => ({
    payload: payloadOf(entry),
    owners: [...new Set(slotsOf(entry).map((i) => entry.slots.owners[i] ?? ""))],
  }));
}

/** Characters JSON escapes, or that take more than one byte in UTF-8: measured by serialising. */
const NOT_PLAIN = /[^\x20-\x7e]|["\\]/;

/** UTF-8 length of `"text"` as JSON writes it. */
function jsonStringBytes(text: string): number {
  return NOT_PLAIN.test(text) ? Buffer.byteLength(JSON.stringify(text)) : text.length + 2;
}

/** Bytes of `{"timestamp":…,"value":…}` of one point; numbers are written as `String()` writes them. */
function pointJsonBytes(timestamp: number, value: number): number {
  return 23 + String(timestamp).length + String(value).length;
}

/** Bytes of the `k:v` strings of `tags` in a JSON list, commas included, brackets not. */
function tagListBytes(tags: readonly Tag[]): number {
  let bytes = Math.max(0, tags.length - 1);
  for (const t of tags) bytes += jsonStringBytes(tagString(t));
  return bytes;
}

/** Bytes of a series entry without its points: `{"metric":…,"type":1,"interval":300,"points":[],"tags":[…]}`. */
function seriesJsonBytes(metric: string, interval: number | undefined, tagBytes: number): number {
  return 42 + jsonStringBytes(metric) + (interval === undefined ? 0 : 12 + String(interval).length) + tagBytes;
}

/** The exact size of a series entry as `writeSeries` writes it, counted from lengths. */
function byteSize(series: SeriesEntry): number {
  let bytes = seriesJsonBytes(series.metric, series.interval, series.tagBytes);
  for (const i of slotsOf(series))
    bytes += pointJsonBytes(series.slots.timestamps[i] ?? 0, series.slots.values[i] ?? 0);
  return bytes + Math.max(0, series.count - 1);
}

/** Splits one series whose points alone exceed the point cap (distinct timestamps, so no collisions). */
function splitLarge(entry: SeriesEntry, maxPoints: number): SeriesEntry[] {
  if (entry.count <= maxPoints) return [entry];
  const slots = slotsOf(entry);
  const parts: SeriesEntry[] = [];
  for (let i = 0; i < slots.length; i += maxPoints) {
    const count = Math.min(maxPoints, slots.length - i);
    parts.push({ ...entry, first: slots[i] ?? -1, count, last: slots[i + count - 1] ?? -1 });
  }
  return parts;
}

/** Packs grouped series into as few requests as the limits allow (one, for a submission the batcher filled). */
export function packSeries(series: readonly SeriesEntry[], limits: BatchLimits = DATADOG_LIMITS): Batch[] {
  const batches: Batch[] = [];
  let current: Batch | undefined;
  for (const entry of series) {
    for (const part of splitLarge(entry, limits.maxPoints)) {
      const points = part.count;
      // Every series after the first adds a comma.
      const size = byteSize(part) + (current && current.series.length > 0 ? 1 : 0);
      if (
        !current ||
        current.points + points > limits.maxPoints ||
        current.bytes + size > limits.maxUncompressedBytes
      ) {
        current = { series: [], points: 0, bytes: ENVELOPE_BYTES + byteSize(part) };
        batches.push(current);
      } else {
        current.bytes += size;
      }
      current.series.push(part);
      current.points += points;
    }
  }
  return batches;
}

export function packBatches(points: readonly OwnedPoint[], limits: BatchLimits = DATADOG_LIMITS): Batch[] {
  return packSeries(groupPoints(points).series, limits);
}

/** Halves a batch by series (used for the wire cap and for a 413 from the intake). */
export function splitBatch(batch: Batch): Batch[] {
  const middle = Math.ceil(batch.series.length / 2);
  return [
    [0, middle],
    [middle, batch.series.length],
  ].map(([from, to]) => {
    const series = batch.series.slice(from, to);
    return {
      series,
      points: series.reduce((n, s) => n + s.count, 0),
      bytes: ENVELOPE_BYTES + series.reduce((n, s) => n + byteSize(s), 0) + Math.max(0, series.length - 1),
    };
  });
}

/** JSON of one series entry, byte for byte what `JSON.stringify(payloadOf(entry))` writes. */
export function writeSeries(entry: SeriesEntry): string {
  let points = "";
  for (const i of pointOrder(entry)) {
    points += `${points === "" ? "" : ","}{"timestamp":${JSON.stringify(entry.slots.timestamps[i])},"value":${JSON.stringify(entry.slots.values[i])}}`;
  }
  const interval = entry.interval !== undefined ? `,"interval":${JSON.stringify(entry.interval)}` : "";
  return `{"metric":${JSON.stringify(entry.metric)},"type":${entry.type}${interval},"points":[${points}],"tags":${JSON.stringify(entry.tags.map(tagString))}}`;
}
