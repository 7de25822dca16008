// A sink that takes each point once must send a stream's buckets in time order and never past one it
// could not send: a remote-write receiver refuses an older sample after a newer one for good, and New
// Relic, whose checkpoint would stay at the failed bucket, would be sent the later ones a second time
// by the next run. So once a bucket of a stream fails, the later buckets of that stream are held back
// (reported as failed, never sent) until a later run sends the failed one first.
import type { OwnedPoint } from "./types.js";

/** `<stream key>@<bucket start ms>` → the stream key. */
export function streamOf(owner: string): string {
  const at = owner.lastIndexOf("@");
  return at < 0 ? owner : owner.slice(0, at);
}

/** `<stream key>@<bucket start ms>` → the bucket start (NaN when the owner names none). */
export function bucketOf(owner: string): number {
  return Number(owner.slice(owner.lastIndexOf("@") + 1));
}

export function heldReason(why: string): string {
  return `held back: an earlier bucket of the stream was not accepted (${why}); a later run sends them in order`;
}

/** The streams with a failed owner in one submission, and why. */
export class HoldBack {
  private readonly streams = new Map<string, string>();

  constructor(
    /** owner → why: the submission's outcome, which this fills. */
    readonly failed: Map<string, string>,
  ) {}

  /** Marks owners failed; from now on the rest of their streams is held back. */
  fail(owners: Iterable<string>, why: string): void {
    for (const owner of owners) {
      if (!this.failed.has(owner)) this.failed.set(owner, why);
      if (!this.streams.has(streamOf(owner))) this.streams.set(streamOf(owner), why);
    }
  }

  /** The items whose stream may still be sent; the others' owners are marked failed (held back). */
  keep<T extends { owner: string }>(items: readonly T[]): T[] {
    if (this.streams.size === 0) return [...items];
    const kept: T[] = [];
    for (const item of items) {
      const why = this.streams.get(streamOf(item.owner));
      if (why === undefined) kept.push(item);
      else if (!this.failed.has(item.owner)) this.failed.set(item.owner, heldReason(why));
    }
    return kept;
  }
}

/** Points in owner order, oldest bucket first: halves of such a list keep each stream's time order. */
export function byBucket(points: readonly OwnedPoint[]): OwnedPoint[] {
  return [...points].sort(
    (a, b) => bucketOf(a.owner) - bucketOf(b.owner) || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0),
  );
}

/**
 * Splits points into two halves on an owner boundary (a bucket's points stay in one request, so New
 * Relic never takes part of one), the older buckets first; one owner alone is split by its points.
 */
export function splitByOwner(points: readonly OwnedPoint[]): [OwnedPoint[], OwnedPoint[]] {
  const sorted = byBucket(points);
  const owners = [...new Set(sorted.map((p) => p.owner))];
  if (owners.length < 2) {
    const middle = Math.ceil(sorted.length / 2);
    return [sorted.slice(0, middle), sorted.slice(middle)];
  }
  const first = new Set(owners.slice(0, Math.ceil(owners.length / 2)));
  return [sorted.filter((p) => first.has(p.owner)), sorted.filter((p) => !first.has(p.owner))];
}
