// In-memory point store with Datadog's identity rule: (metric, normalised tag set, timestamp);
// a second write to the same key replaces the value (last write wins), never adds (§5.1).
import { normalizeMetricName, normalizeTags } from "./normalize.js";
import type { MetricType, PointStore, StoredPoint } from "./types.js";

export interface PointWrite {
  /** Already normalised. */
  metric: string;
  /** Already normalised and sorted. */
  tags: string[];
  timestamp: number;
  value: number;
  type: MetricType;
  interval?: number;
  unit?: string;
}

function keyOf(metric: string, tags: readonly string[], timestamp: number): string {
  return JSON.stringify([metric, tags, timestamp]);
}

function copy(point: StoredPoint): StoredPoint {
  return { ...point, tags: [...point.tags] };
}

function compare(a: StoredPoint, b: StoredPoint): number {
  if (a.metric !== b.metric) return a.metric < b.metric ? -1 : 1;
  const ta = a.tags.join(",");
  const tb = b.tags.join(",");
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.timestamp - b.timestamp;
}

export class MemoryPointStore implements PointStore {
  private readonly points = new Map<string, StoredPoint>();

  get size(): number {
    return this.points.size;
  }

  /** Copies sorted by metric, tags, timestamp, so assertions do not depend on arrival order. */
  all(): StoredPoint[] {
    return [...this.points.values()].sort(compare).map(copy);
  }

  get(metric: string, tags: readonly string[], timestamp: number): StoredPoint | undefined {
    const point = this.points.get(keyOf(normalizeMetricName(metric), normalizeTags(tags), timestamp));
    return point && copy(point);
  }

  series(metric: string): StoredPoint[] {
    const name = normalizeMetricName(metric);
    return this.all().filter((p) => p.metric === name);
  }

  write(point: PointWrite, at: number): void {
    const key = keyOf(point.metric, point.tags, point.timestamp);
    const writes = (this.points.get(key)?.writes ?? 0) + 1;
    const stored: StoredPoint = { ...point, tags: [...point.tags], writes, lastWriteAt: at };
    // Optional fields of the previous write must not leak into the new one.
    if (point.interval === undefined) delete stored.interval;
    if (point.unit === undefined) delete stored.unit;
    this.points.set(key, stored);
  }

  clear(): void {
    this.points.clear();
  }
}
