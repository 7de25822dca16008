// The once-sink gate (run/gate.ts): a bucket goes to the batcher only whole and in time order per
// stream; once one fails, the rest of its stream is held back (settled as failed, never sent).
import { describe, expect, it } from "vitest";
import { FIRST_STAGE, streamPlan } from "../../src/plan/schedule.js";
import { OnceGate } from "../../src/run/gate.js";
import type { JobResult } from "../../src/run/pipeline.js";
import type { PlannedStream } from "../../src/run/plan.js";
import type { OwnedPoint } from "../../src/sinks/types.js";
import type { Job, StreamKind } from "../../src/streams/types.js";

const B = 300_000;
const T = 1_800_000_000_000 - (1_800_000_000_000 % B);
const kindA = { name: "a" } as StreamKind;
const kindB = { name: "b" } as StreamKind;

function stream(key: string, buckets: number): PlannedStream {
  const stage = { key: FIRST_STAGE, from: T, to: T + buckets * B, outOfReach: 0, outOfReachFrom: T };
  const ref = { key } as PlannedStream["ref"];
  return {
    ref,
    plan: streamPlan([stage], B),
    kinds: [kindA, kindB],
    save: () => {},
    counted: true,
    noun: "connection",
  };
}

function part(key: string, kind: StreamKind, buckets: number[], error?: string): JobResult {
  const job = { kind, stream: { key }, buckets, firstReads: buckets } as unknown as Job;
  const points = error
    ? []
    : buckets.map(
        (b): OwnedPoint => ({
          metric: `m.${kind.name}`,
          kind: "count",
          timestamp: b / 1000,
          value: 1,
          tags: [],
          owner: `${key}@${b}`,
        }),
      );
  return { job, points, ...(error ? { error } : {}) };
}

const released = (results: JobResult[]) =>
  results.filter((r) => r.error === undefined).map((r) => [r.job.buckets[0], r.points.length, r.parts]);

describe("OnceGate", () => {
  it("releases a bucket once all its parts arrived, and only after every earlier bucket of its stream", () => {
    const gate = new OnceGate([stream("s", 3)]);
    // A covers all three buckets; B arrives bucket by bucket, the newest first.
    expect(gate.take(part("s", kindA, [T, T + B, T + 2 * B]))).toEqual([]);
    expect(gate.take(part("s", kindB, [T + 2 * B]))).toEqual([]);
    expect(gate.take(part("s", kindB, [T + B]))).toEqual([]);
    expect(released(gate.take(part("s", kindB, [T])))).toEqual([
      [T, 2, 2],
      [T + B, 2, 2],
      [T + 2 * B, 2, 2],
    ]);
  });

  it("fails a bucket whose part failed, holds the later ones back (unread), and still releases the earlier ones", () => {
    const gate = new OnceGate([stream("s", 4), stream("other", 1)]);
    gate.take(part("s", kindA, [T, T + B, T + 2 * B, T + 3 * B]));
    const out = gate.take(part("s", kindB, [T + B], "HTTP 500"));
    expect(out.map((r) => [r.job.buckets, r.error])).toEqual([
      [[T + B], "HTTP 500"],
      [
        [T + 2 * B, T + 3 * B],
        expect.stringMatching(/^held back: an earlier bucket of the stream was not accepted \(HTTP 500\)/),
      ],
    ]);
    // The later buckets need not be read at all; the earlier one still goes.
    expect(gate.skips(part("s", kindB, [T + 2 * B]).job)).toBe(true);
    expect(gate.skips(part("s", kindB, [T]).job)).toBe(false);
    expect(released(gate.take(part("s", kindB, [T])))).toEqual([[T, 2, 2]]);
    // Another stream is not affected.
    gate.take(part("other", kindA, [T]));
    expect(released(gate.take(part("other", kindB, [T])))).toEqual([[T, 2, 2]]);
  });

  it("after a sink failure, holds back the stream's later buckets, batched ones included", async () => {
    const gate = new OnceGate([stream("s", 3)]);
    gate.take(part("s", kindA, [T, T + B, T + 2 * B]));
    gate.take(part("s", kindB, [T]));
    gate.take(part("s", kindB, [T + B]));
    // T and T + B are in the batcher; the sink refuses T.
    const held = gate.block(`s@${T}`, "HTTP 503");
    expect(held.map((r) => r.job.buckets)).toEqual([[T + 2 * B]]);
    expect(gate.held(`s@${T + B}`)).toBe("HTTP 503");
    const sent: string[] = [];
    const sink = gate.guard({
      label: "test",
      writeRule: "once",
      limits: { bytes: 1, points: 1 },
      oldestAcceptedMs: () => 0,
      measure: () => ({ add: () => {}, bytes: 0 }),
      verify: async () => {},
      submit: async (points) => {
        sent.push(...points.map((p) => p.owner));
        return { failed: new Map(), requests: 1 };
      },
      close: async () => {},
    });
    const outcome = await sink.submit(part("s", kindA, [T + B]).points);
    expect(sent).toEqual([]);
    expect(outcome.failed.get(`s@${T + B}`)).toMatch(/^held back/);
  });
});
