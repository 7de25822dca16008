import { describe, expect, it } from "vitest";
import { sharedPairs, sourceTags } from "../../src/mapping/tags.js";
import { PlanInterner, planStream, reconcileWatermarks, type Schedule, streamPlan } from "../../src/plan/schedule.js";
import { BucketProgress, ProgressArena } from "../../src/run/progress.js";
import { MINUTE } from "../../src/time.js";

const bucketMs = 5 * MINUTE;
const t0 = Date.UTC(2026, 11, 6, 10, 0);
/** A plan of `n` buckets from t0. */
const planOf = (n: number) =>
  streamPlan([{ key: "first", from: t0, to: t0 + n * bucketMs, outOfReach: 0, outOfReachFrom: t0 }], bucketMs);
const bucket = (i: number) => t0 + i * bucketMs;

describe("bucket progress in a shared arena", () => {
  it("keeps each stream's counts apart, across block boundaries", () => {
    const arena = new ProgressArena(16); // blocks of 16 bytes: the third stream of 6 starts a new block
    const [a, b, c] = [0, 1, 2].map(() => new BucketProgress(planOf(6), 2, arena));
    if (!a || !b || !c) throw new Error("no progress");
    expect(a.accept(bucket(5))).toBe(false);
    expect(a.accept(bucket(5))).toBe(true);
    expect(a.has(bucket(5))).toBe(true);
    expect(b.has(bucket(5))).toBe(false);
    expect(b.fail(bucket(0))).toBe(true);
    expect(b.fail(bucket(0))).toBe(false);
    expect(a.has(bucket(0))).toBe(false);
    c.accept(bucket(0));
    expect(c.accept(bucket(0))).toBe(true);
    expect([a.done, b.done, b.failed, c.done]).toEqual([1, 0, 1, 1]);
    // Out of the plan: neither counted nor written next door.
    expect(a.accept(bucket(6))).toBe(false);
    expect(b.has(bucket(0))).toBe(false);
  });

  it("gives a long plan a block of its own", () => {
    const arena = new ProgressArena(16);
    const small = new BucketProgress(planOf(2), 1, arena);
    const long = new BucketProgress(planOf(100), 1, arena);
    for (let i = 0; i < 100; i++) long.accept(bucket(i));
    expect(long.done).toBe(100);
    expect(small.has(bucket(0))).toBe(false);
    expect(small.accept(bucket(1))).toBe(true);
  });
});

describe("shared plans and tag pairs", () => {
  const schedule: Schedule = { bucketMs, delayMs: 2 * MINUTE, rereadMs: [15 * MINUTE], historical: false };

  it("equal plans are one object, different ones are not", () => {
    const now = t0 + 61 * MINUTE;
    const plans = new PlanInterner();
    const marks = reconcileWatermarks(undefined, schedule, now);
    const one = plans.intern(planStream(marks, schedule, now, 0));
    const two = plans.intern(planStream({ ...marks }, schedule, now, 0));
    const behind = plans.intern(planStream({ ...marks, first: (marks.first ?? 0) - bucketMs }, schedule, now, 0));
    expect(two).toBe(one);
    expect(behind).not.toBe(one);
    expect(behind.tasks.length).toBe(one.tasks.length + 1);
  });

  it("pairs with the same key and value are one array", () => {
    const pair = sharedPairs();
    const a = sourceTags("ws", { id: "s1", slug: "web" }, [], pair);
    const b = sourceTags("ws", { id: "s1", slug: "web" }, [], pair);
    const c = sourceTags("ws", { id: "s2", slug: "app" }, [], pair);
    expect(a).toEqual([
      ["workspace", "ws"],
      ["source_slug", "web"],
      ["source_id", "s1"],
    ]);
    expect(b[1]).toBe(a[1]);
    expect(c[0]).toBe(a[0]);
    expect(c[1]).not.toBe(a[1]);
  });
});
