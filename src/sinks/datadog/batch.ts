// Packs points into as few `POST /api/v2/series` payloads as the intake's limits allow
// (reference §4.1–4.2). Pure. Points of one series go into one series entry with several points;
// duplicate points (same metric, tags, timestamp) are collapsed first, last one wins, because the
// intake would keep only one of them anyway (§5.1). The compressed-size limit is checked where the
// body is compressed, once, just before it is sent (sink.ts).
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

export interface Batch {
  series: SeriesPayload[];
  /** Parallel to `series`: the owners (e.g. bucket tasks) whose points each series carries. */
  seriesOwners: string[][];
  points: number;
  /** Uncompressed JSON size of `{"series":[…]}`. */
  bytes: number;
}

export function ownersOf(batch: Batch): Set<string> {
  return new Set(batch.seriesOwners.flat());
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

/** Datadog's `k:v` strings of a tag set, and their sorted join (a series key). */
interface DatadogTags {
  strings: string[];
  key: string;
}

/** Computed once per tags array: a job's points share one array. */
const formatted = new WeakMap<readonly Tag[], DatadogTags>();

/** Tags as Datadog takes them: `key:value` strings. */
export function datadogTags(tags: readonly Tag[]): DatadogTags {
  let entry = formatted.get(tags);
  if (entry === undefined) {
    const strings = tags.map(tagString);
    entry = { strings, key: [...strings].sort().join(",") };
    formatted.set(tags, entry);
  }
  return entry;
}

function seriesKey(p: MetricPoint): string {
  return `${p.metric}\u0000${p.kind}\u0000${p.intervalS ?? ""}\u0000${datadogTags(p.tags).key}`;
}

/** Groups points into series and drops earlier duplicates of the same (series, timestamp). */
export function toSeries(points: readonly OwnedPoint[]): Array<{ payload: SeriesPayload; owners: string[] }> {
  const groups = new Map<string, { first: OwnedPoint; byTimestamp: Map<number, OwnedPoint> }>();
  for (const point of points) {
    const key = seriesKey(point);
    let group = groups.get(key);
    if (!group) {
      group = { first: point, byTimestamp: new Map() };
      groups.set(key, group);
    }
    group.byTimestamp.delete(point.timestamp); // re-insert keeps "last wins" and insertion order
    group.byTimestamp.set(point.timestamp, point);
  }
  return [...groups.values()].map(({ first, byTimestamp }) => {
    const kept = [...byTimestamp.values()].sort((a, b) => a.timestamp - b.timestamp);
    const payload: SeriesPayload = {
      metric: first.metric,
      type: first.kind === "count" ? 1 : 3,
      ...(first.intervalS !== undefined ? { interval: first.intervalS } : {}),
      points: kept.map((p) => ({ timestamp: p.timestamp, value: p.value })),
      tags: [...datadogTags(first.tags).strings],
    };
    return { payload, owners: [...new Set(kept.map((p) => p.owner))] };
  });
}

/** Characters JSON escapes, or that take more than one byte in UTF-8: measured by serialising. */
const NOT_PLAIN = /[^\x20-\x7e]|["\\]/;

/** UTF-8 length of `"text"` as JSON writes it. */
function jsonStringBytes(text: string): number {
  return NOT_PLAIN.test(text) ? Buffer.byteLength(JSON.stringify(text)) : text.length + 2;
}

/**
 * Bytes of `{"timestamp":…,"value":…}` of one point; numbers are written as `String()` writes them.
 * Exported for the batcher, which sizes its batches with the same count.
 */
export function pointJsonBytes(timestamp: number, value: number): number {
  return 23 + String(timestamp).length + String(value).length;
}

/** Bytes of a series entry without its points: `{"metric":…,"type":1,"interval":300,"points":[],"tags":[…]}`. */
export function seriesJsonBytes(metric: string, interval: number | undefined, tags: readonly string[]): number {
  let bytes = 42 + jsonStringBytes(metric) + (interval === undefined ? 0 : 12 + String(interval).length);
  for (const t of tags) bytes += jsonStringBytes(t);
  return bytes + Math.max(0, tags.length - 1);
}

/**
 * The exact size of `JSON.stringify(series)`, counted from lengths: serialising every series only to
 * measure it held the event loop (and so every fetch) for a few hundred ms per 5 MB batch.
 */
function byteSize(series: SeriesPayload): number {
  let bytes = seriesJsonBytes(series.metric, series.interval, series.tags);
  for (const p of series.points) bytes += pointJsonBytes(p.timestamp, p.value);
  return bytes + Math.max(0, series.points.length - 1);
}

/** Splits one series whose points alone exceed the point cap (distinct timestamps, so no collisions). */
function splitLarge(payload: SeriesPayload, maxPoints: number): SeriesPayload[] {
  if (payload.points.length <= maxPoints) return [payload];
  const parts: SeriesPayload[] = [];
  for (let i = 0; i < payload.points.length; i += maxPoints) {
    parts.push({ ...payload, points: payload.points.slice(i, i + maxPoints) });
  }
  return parts;
}

export function packBatches(points: readonly OwnedPoint[], limits: BatchLimits = DATADOG_LIMITS): Batch[] {
  const batches: Batch[] = [];
  let current: Batch | undefined;
  for (const { payload, owners } of toSeries(points)) {
    for (const part of splitLarge(payload, limits.maxPoints)) {
      // Every series after the first adds a comma.
      const size = byteSize(part) + (current && current.series.length > 0 ? 1 : 0);
      if (
        !current ||
        current.points + part.points.length > limits.maxPoints ||
        current.bytes + size > limits.maxUncompressedBytes
      ) {
        current = { series: [], seriesOwners: [], points: 0, bytes: ENVELOPE_BYTES + byteSize(part) };
        batches.push(current);
      } else {
        current.bytes += size;
      }
      current.series.push(part);
      current.seriesOwners.push(owners);
      current.points += part.points.length;
    }
  }
  return batches;
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
      seriesOwners: batch.seriesOwners.slice(from, to),
      points: series.reduce((n, s) => n + s.points.length, 0),
      bytes: ENVELOPE_BYTES + series.reduce((n, s) => n + byteSize(s), 0) + Math.max(0, series.length - 1),
    };
  });
}

/**
 * The JSON size of a submission as `packBatches` will pack it, counted from lengths as points are
 * added (never by serialising): the batcher fills each submission to about one request with it.
 */
export class DatadogSubmissionSize implements SubmissionSize {
  bytes = ENVELOPE_BYTES;
  private readonly series = new Set<string>();

  add(p: MetricPoint): void {
    const key = seriesKey(p);
    if (!this.series.has(key)) {
      this.series.add(key);
      this.bytes += seriesJsonBytes(p.metric, p.intervalS, datadogTags(p.tags).strings) + 1;
    }
    this.bytes += pointJsonBytes(p.timestamp, p.value) + 1;
  }
}
