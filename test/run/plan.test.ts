// The lazy job order of the pipeline (run/plan.ts planJobs): oldest slab first, a stream's buckets
// together within a slab, and jobs built only as they are consumed, with no pending job per stream.
import { describe, expect, it } from "vitest";
import { type StagePlan, streamPlan } from "../../src/plan/schedule.js";
import { type PlannedStream, planJobs, type WorkspacePlan } from "../../src/run/plan.js";
import type { WorkspaceRun } from "../../src/run/workspace.js";
import { bucketJobs, runJob } from "../../src/streams/jobs.js";
import type { StreamKind, StreamRef } from "../../src/streams/types.js";

const MIN = 60_000;
const B = 5 * MIN;

let built = 0;
const perBucket: StreamKind = {
  name: "per bucket",
  scope: "connection",
  endpoints: [],
  limits: [{ granularity: "MINUTE", stepMs: MIN, maxRangeMs: 4 * 60 * MIN, oldestStartMs: Number.POSITIVE_INFINITY }],
  stamp: "bucket",
  enabled: () => true,
  oldestServed: () => Number.NEGATIVE_INFINITY,
  *jobs(stream, plan, from, to, clock) {
    for (const job of bucketJobs(this, stream, plan, from, to, clock)) {
      built += 1;
      yield job;
    }
  },
  read: async () => [],
  series: () => [],
};
const perRun: StreamKind = { ...perBucket, name: "per run", jobs: (s, p, f, t) => runJob(perRun, s, p, f, t) };

/** A stream reading the buckets starting at `[fromMin, toMin)` minutes. */
function stream(key: string, fromMin: number, toMin: number, kinds: StreamKind[] = [perBucket]): PlannedStream {
  const stage: StagePlan = { key: "first", from: fromMin * MIN, to: toMin * MIN, outOfReach: 0, outOfReachFrom: 0 };
  const ref = { key, label: key } as StreamRef;
  return { ref, plan: streamPlan([stage], B), kinds, save: () => {}, counted: true, noun: "connection" };
}

const plans = (...streams: PlannedStream[]): WorkspacePlan[] => [
  { ws: {} as WorkspaceRun, streams, connections: streams.length, sources: 0, missed: 0, rereadsSkipped: 0 },
];

describe("planJobs", () => {
  it("orders by 30-minute slab, then stream by stream, each stream's buckets in order", () => {
    const order = [...planJobs(plans(stream("a", 0, 40), stream("b", 20, 45)), () => 0)].map(
      (j) => `${j.stream.key}${j.start / MIN}`,
    );
    expect(order).toEqual(["a0", "a5", "a10", "a15", "a20", "a25", "b20", "b25", "a30", "a35", "b30", "b35", "b40"]);
  });

  it("issues a job over every bucket of the run in the slab of its oldest bucket, before the stream's per-bucket jobs", () => {
    const jobs = [...planJobs(plans(stream("a", 10, 70, [perRun, perBucket])), () => 0)];
    expect(jobs[0]?.kind.name).toBe("per run");
    expect(jobs[0]?.buckets).toEqual(Array.from({ length: 12 }, (_, i) => (10 + 5 * i) * MIN));
    expect(jobs.filter((j) => j.kind.name === "per run")).toHaveLength(1);
    expect(jobs.filter((j) => j.kind.name === "per bucket")).toHaveLength(12);
  });

  it("builds jobs only as they are consumed, and skips empty stretches between slabs", () => {
    built = 0;
    const many = Array.from({ length: 100 }, (_, i) => stream(`s${i}`, 0, 60));
    const it = planJobs(plans(...many, stream("late", 24 * 60, 24 * 60 + 5)), () => 0);
    it.next();
    expect(built).toBe(1);
    const rest = [...it];
    expect(rest).toHaveLength(100 * 12);
    expect(built).toBe(100 * 12 + 1);
    expect(rest.at(-1)?.stream.key).toBe("late");
  });
});
