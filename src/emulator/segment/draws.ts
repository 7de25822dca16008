// Draws shared by the ground-truth models of failed deliveries (truth.ts) and of the first pipeline
// steps (pipeline.ts): splitting a minute's count over weighted reasons, and when each of its units
// becomes visible to a reader. Pure: every sequence comes from a seeded mulberry32 the caller passes.
import { mulberry32 } from "../faults.js";
import { mix } from "./hash.js";

export interface WeightedReason {
  /** As Segment spells it: `EMPTY_BATCH` and `empty_batch` are distinct codes on the wire. */
  reason: string;
  weight: number;
}

/** Discard reason, minute and count, as one step of the Delivery Overview reports it. */
export interface ReasonCount {
  minuteMs: number;
  reason: string;
  count: number;
}

export function weighted<T extends { weight: number }>(items: readonly T[], rng: () => number): number {
  const total = items.reduce((n, i) => n + i.weight, 0);
  let u = rng() * total;
  for (const [index, item] of items.entries()) {
    u -= item.weight;
    if (u < 0) return index;
  }
  return items.length - 1;
}

/** Splits `total` over 1–3 reasons of the pool (several in some minutes); counts sum to it exactly. */
export function splitReasons(pool: readonly WeightedReason[], rng: () => number, total: number): Map<string, number> {
  const u = rng();
  const wanted = Math.min(total, u < 0.5 ? 1 : u < 0.8 ? 2 : 3);
  const left = [...pool];
  const chosen: WeightedReason[] = [];
  while (chosen.length < wanted && left.length > 0) chosen.push(...left.splice(weighted(left, rng), 1));
  const counts = new Map(chosen.map((c) => [c.reason, 1])); // every chosen reason occurs
  for (let n = chosen.length; n < total; n++) {
    const reason = (chosen[weighted(chosen, rng)] as WeightedReason).reason;
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return counts;
}

/**
 * When each of a minute's `count` units becomes visible, as a delay (ms) after the minute's end: most
 * at once, a `lateShare` of them later, skewed towards short delays, up to `maxDelay`. `seed` names
 * the stream (one per step and entity); `minute` is the epoch minute index.
 */
export function visibilityDelays(
  seed: number,
  minute: number,
  count: number,
  lateShare: number,
  maxDelay: number,
): number[] {
  const rng = mulberry32(mix(seed, minute));
  const delays: number[] = [];
  for (let j = 0; j < count; j++) {
    if (rng() < lateShare) {
      const u = rng();
      delays.push(Math.max(1, Math.ceil(u * u * maxDelay)));
    } else delays.push(0);
  }
  return delays;
}

/**
 * Appends to `out` the counts of `split` (reason → count) visible at `atMs`: unit j is the j-th of the
 * reasons laid end to end and counts once `minute end + delays[j] <= atMs`.
 */
export function pushVisible(
  out: ReasonCount[],
  minuteMs: number,
  split: ReadonlyMap<string, number>,
  delays: readonly number[],
  atMs: number,
  minuteLengthMs: number,
): void {
  const end = minuteMs + minuteLengthMs;
  let j = 0;
  for (const [reason, count] of split) {
    let visible = 0;
    for (const last = j + count; j < last; j++) if (end + (delays[j] ?? 0) <= atMs) visible++;
    if (visible > 0) out.push({ minuteMs, reason, count: visible });
  }
}
