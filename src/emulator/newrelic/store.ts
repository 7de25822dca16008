// Every point New Relic accepts is kept as sent: nothing overwrites, so a count sent twice for one
// window is summed twice by NRQL's sum() (reference §0, §1.8). What it drops after its 202 is kept
// apart with the reason (reference §1.3).
import type {
  AttributeValue,
  CountSum,
  DroppedNewRelicPoint,
  DropReason,
  NewRelicPoint,
  StoredNewRelicPoint,
} from "./types.js";

const HOUR_MS = 3_600_000;
/** JSON keys of the payload may not be attribute names (reference §1.3). */
const RESERVED = new Set(["interval.ms", "timestamp", "value", "common", "min", "max", "count", "sum", "metrics"]);

/** Why New Relic would drop an accepted point, if it would. */
export function dropReason(point: NewRelicPoint, nowMs: number): DropReason | undefined {
  if (point.timestampMs < nowMs - 48 * HOUR_MS) return "too-old";
  if (point.timestampMs > nowMs + 24 * HOUR_MS) return "too-far-in-future";
  const count = typeof point.value === "number" ? point.value : point.value.count;
  if (point.type !== "gauge" && count < 0) return "negative-count";
  if (Object.keys(point.attributes).some((k) => RESERVED.has(k) || k === point.name)) return "reserved-attribute";
  return undefined;
}

const attributesKey = (attributes: Record<string, AttributeValue>): string =>
  JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

const copy = <T extends NewRelicPoint>(p: T): T => ({
  ...p,
  attributes: { ...p.attributes },
  value: typeof p.value === "number" ? p.value : { ...p.value },
});

export class NewRelicStore {
  private readonly stored: StoredNewRelicPoint[] = [];
  readonly dropped: DroppedNewRelicPoint[] = [];

  /** Stores or drops each point; returns how many were stored. */
  add(points: readonly NewRelicPoint[], meta: { requestId: string; receivedAt: number }): number {
    let stored = 0;
    for (const point of points) {
      const reason = dropReason(point, meta.receivedAt);
      if (reason) this.dropped.push({ ...copy(point), ...meta, reason });
      else {
        this.stored.push({ ...copy(point), ...meta });
        stored += 1;
      }
    }
    return stored;
  }

  points(name?: string): StoredNewRelicPoint[] {
    return this.stored.filter((p) => name === undefined || p.name === name).map(copy);
  }

  countSums(): CountSum[] {
    const sums = new Map<string, CountSum>();
    for (const p of this.stored) {
      if (p.type !== "count" || typeof p.value !== "number") continue;
      const key = JSON.stringify([p.name, attributesKey(p.attributes), p.timestampMs]);
      const entry = sums.get(key);
      if (entry) {
        entry.sum += p.value;
        entry.points += 1;
      } else
        sums.set(key, {
          name: p.name,
          attributes: { ...p.attributes },
          timestampMs: p.timestampMs,
          sum: p.value,
          points: 1,
        });
    }
    return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  }

  sum(name: string, attributes: Record<string, AttributeValue>, timestampMs: number): number | undefined {
    const key = attributesKey(attributes);
    return this.countSums().find(
      (s) => s.name === name && s.timestampMs === timestampMs && attributesKey(s.attributes) === key,
    )?.sum;
  }

  clear(): void {
    this.stored.length = 0;
    this.dropped.length = 0;
  }
}
