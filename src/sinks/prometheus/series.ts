// Points → remote-write series (design §5, Sinks): `<p>_` + the Datadog name with dots as
// underscores, latencies in seconds under a `_seconds` suffix, tags as labels (names sanitised as
// the wire requires), samples at the bucket start in ms, in time order. Pure.
import type { MetricPoint, Tag } from "../../mapping/types.js";
import type { OwnedPoint, SubmissionSize } from "../types.js";
import { remoteWriteName, remoteWriteValue, sanitizeLabelName } from "./names.js";
import type { RemoteWriteSeries } from "./wire.js";

export interface OwnedSample {
  timestampMs: number;
  value: number;
  owner: string;
}

/** One series of a submission: its labels (wire names, `__name__` included) and its samples in time order. */
export interface SubmissionSeries {
  key: string;
  labels: Record<string, string>;
  samples: OwnedSample[];
}

/** Computed once per tags array: the points of one series share one. */
const labelCache = new WeakMap<readonly Tag[], { labels: Record<string, string>; key: string; bytes: number }>();

function labelsOf(tags: readonly Tag[]) {
  let entry = labelCache.get(tags);
  if (entry === undefined) {
    const labels: Record<string, string> = {};
    let bytes = 0;
    for (const [key, value] of tags) {
      if (value === "") continue; // Prometheus treats an empty label as absent
      const name = sanitizeLabelName(key);
      labels[name] = value;
      bytes += name.length + Buffer.byteLength(value) + 6;
    }
    entry = {
      labels,
      key: JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      bytes,
    };
    labelCache.set(tags, entry);
  }
  return entry;
}

/** Labels in the wire's order: sorted by name (`__name__` first, as `_` sorts before letters). */
export function sortedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export const sampleName = (p: MetricPoint): string => remoteWriteName(p.metric, p.unit);

/**
 * Groups points into series, samples sorted by time. Two points of one series at one timestamp
 * cannot both be sent (a receiver keeps one and silently drops the other within a request): the
 * first is kept and the others come back as `conflicts`.
 */
export function toSubmissionSeries(points: readonly OwnedPoint[]): {
  series: SubmissionSeries[];
  conflicts: OwnedPoint[];
} {
  const groups = new Map<string, SubmissionSeries & { seen: Set<number> }>();
  const conflicts: OwnedPoint[] = [];
  for (const p of points) {
    const name = sampleName(p);
    const { labels, key: labelKey } = labelsOf(p.tags);
    const key = `${name}\u0000${labelKey}`;
    let group = groups.get(key);
    if (!group) {
      group = { key, labels: { __name__: name, ...labels }, samples: [], seen: new Set() };
      groups.set(key, group);
    }
    const timestampMs = Math.round(p.timestamp * 1000);
    if (group.seen.has(timestampMs)) {
      conflicts.push(p);
      continue;
    }
    group.seen.add(timestampMs);
    group.samples.push({ timestampMs, value: remoteWriteValue(p.value, p.unit), owner: p.owner });
  }
  const series = [...groups.values()].map(({ key, labels, samples }) => ({
    key,
    labels,
    samples: samples.sort((a, b) => a.timestampMs - b.timestampMs),
  }));
  return { series, conflicts };
}

/** The wire form of submission series (owners dropped). */
export function toRemoteWriteSeries(series: readonly SubmissionSeries[]): RemoteWriteSeries[] {
  return series.map((s) => ({
    labels: s.labels,
    samples: s.samples.map(({ timestampMs, value }) => ({ timestampMs, value })),
  }));
}

/** An estimate of the protobuf size of a submission, counted as points are added. */
export class RemoteWriteSubmissionSize implements SubmissionSize {
  bytes = 0;
  private readonly series = new Set<string>();

  add(p: MetricPoint): void {
    const name = sampleName(p);
    const { key, bytes } = labelsOf(p.tags);
    const seriesKey = `${name}\u0000${key}`;
    if (!this.series.has(seriesKey)) {
      this.series.add(seriesKey);
      this.bytes += bytes + name.length + 16;
    }
    this.bytes += 20;
  }
}
