// Event-volume series → Datadog `count` points at bucket starts. Segment's series may be finer than
// our bucket (its granularity divides the bucket), so counts of one bucket are summed: a sum of
// counts over disjoint sub-intervals is exactly the bucket's count.
import { seriesName } from "./prefix.js";
import type { MetricPoint, Tag } from "./types.js";

/** Suffix of the event-volume count series (`<prefix>.events.volume`). */
export const EVENTS_VOLUME_SUFFIX = "events.volume";

export interface VolumeSeries {
  tags: readonly Tag[];
  series: ReadonlyArray<{ time: string; count: number }>;
}

export interface VolumeContext {
  prefix: string;
  bucketMs: number;
  /** Only buckets whose start is in this set are emitted (a request may cover more). */
  wanted: (bucketStart: number) => boolean;
}

export function mapEventVolume(entries: readonly VolumeSeries[], ctx: VolumeContext): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const entry of entries) {
    const buckets = new Map<number, number>();
    for (const point of entry.series) {
      const start = Math.floor(Date.parse(point.time) / ctx.bucketMs) * ctx.bucketMs;
      buckets.set(start, (buckets.get(start) ?? 0) + point.count);
    }
    for (const [start, value] of buckets) {
      if (!ctx.wanted(start)) continue;
      points.push({
        metric: seriesName(ctx.prefix, EVENTS_VOLUME_SUFFIX),
        kind: "count",
        timestamp: start / 1000,
        value,
        intervalS: ctx.bucketMs / 1000,
        tags: entry.tags,
      });
    }
  }
  return points;
}
