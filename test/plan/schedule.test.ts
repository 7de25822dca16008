import { describe, expect, it } from "vitest";
import { datadogOldestAccepted } from "../../src/sinks/datadog/window.js";

const oldestSubmittableTimestamp = (now: number) => datadogOldestAccepted(now, false);

import {
  advanceWatermarks,
  FIRST_STAGE,
  initialWatermark,
  planStream,
  reconcileWatermarks,
  type Schedule,
  stagesOf,
} from "../../src/plan/schedule.js";
import { HOUR, MINUTE } from "../../src/time.js";

const schedule: Schedule = {
  bucketMs: 5 * MINUTE,
  delayMs: 2 * MINUTE,
  rereadMs: [15 * MINUTE, 40 * MINUTE],
  historical: false,
};
const at = (hh: number, mm: number, ss = 0) => Date.UTC(2026, 10, 25, hh, mm, ss);
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function firstRun(now: number) {
  const marks = reconcileWatermarks(undefined, schedule, now);
  return { marks, plan: planStream(marks, schedule, now, oldestSubmittableTimestamp(now)) };
}

describe("read schedule", () => {
  it("names one stage per read age", () => {
    expect(stagesOf(schedule).map((s) => s.key)).toEqual([FIRST_STAGE, "reread-15m", "reread-40m"]);
  });

  it("starts a new stream inside Datadog's window", () => {
    const now = at(10, 7, 30);
    expect(hhmm(initialWatermark(schedule, now))).toBe("09:15");
    expect(hhmm(initialWatermark({ ...schedule, historical: true }, now))).toBe("06:05");
  });

  it("reads each due bucket once, marked with every stage it satisfies", () => {
    const { plan } = firstRun(at(10, 7, 30));
    expect(plan.tasks.map((t) => hhmm(t.start))).toEqual([
      "09:15",
      "09:20",
      "09:25",
      "09:30",
      "09:35",
      "09:40",
      "09:45",
      "09:50",
      "09:55",
      "10:00",
    ]);
    expect(plan.tasks[0]?.stages).toEqual([FIRST_STAGE, "reread-15m", "reread-40m"]);
    expect(plan.tasks.find((t) => hhmm(t.start) === "09:45")?.stages).toEqual([FIRST_STAGE, "reread-15m"]);
    expect(plan.tasks.at(-1)?.stages).toEqual([FIRST_STAGE]);
    // A bucket is only due once it ended --delay ago: 10:05 ends 10:10, not yet.
    expect(plan.tasks.some((t) => hhmm(t.start) === "10:05")).toBe(false);
  });

  it("re-reads only at the configured ages on the following run", () => {
    const { plan } = firstRun(at(10, 7, 30));
    const marks = advanceWatermarks(plan, new Set(plan.tasks.map((t) => t.start)));
    expect(Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, hhmm(v)]))).toEqual({
      first: "10:05",
      "reread-15m": "09:50",
      "reread-40m": "09:25",
    });
    const next = planStream(marks, schedule, at(10, 12, 30), oldestSubmittableTimestamp(at(10, 12, 30)));
    expect(next.tasks.map((t) => [hhmm(t.start), t.stages])).toEqual([
      ["09:25", ["reread-40m"]],
      ["09:50", ["reread-15m"]],
      ["10:05", [FIRST_STAGE]],
    ]);
  });

  it("holds a stage's watermark at the first failed bucket and retries from there", () => {
    const { plan } = firstRun(at(10, 7, 30));
    const failed = at(9, 30);
    const ok = new Set(plan.tasks.map((t) => t.start).filter((s) => s !== failed));
    const marks = advanceWatermarks(plan, ok);
    expect(hhmm(marks[FIRST_STAGE] ?? 0)).toBe("09:30");
    expect(hhmm(marks["reread-40m"] ?? 0)).toBe("09:25");
    const next = planStream(marks, schedule, at(10, 12, 30), oldestSubmittableTimestamp(at(10, 12, 30)));
    const firstReads = next.tasks.filter((t) => t.firstRead).map((t) => hhmm(t.start));
    expect(firstReads[0]).toBe("09:30");
    expect(firstReads.at(-1)).toBe("10:05");
  });

  it("counts buckets that fell out of reach instead of skipping them silently", () => {
    const now = at(12, 0);
    const marks = { first: at(9, 0), "reread-15m": at(9, 0), "reread-40m": at(9, 0) };
    const plan = planStream(marks, schedule, now, oldestSubmittableTimestamp(now));
    const first = plan.stages.find((s) => s.key === FIRST_STAGE);
    // Reach is 11:05 (now − 55 min): 09:00 … 11:00 are 25 buckets out of reach.
    expect(first?.outOfReach).toBe(25);
    expect(hhmm(first?.from ?? 0)).toBe("11:05");
    expect(plan.tasks[0]?.start).toBe(at(11, 5));
    // Once reported, the watermark moves past them even if nothing else was read.
    expect(hhmm(advanceWatermarks(plan, new Set())[FIRST_STAGE] ?? 0)).toBe("11:05");
  });

  it("handles a long outage arithmetically, not bucket by bucket", () => {
    const now = at(12, 0);
    const marks = { first: now - 365 * 24 * HOUR, "reread-15m": now, "reread-40m": now };
    const started = performance.now();
    const plan = planStream(marks, schedule, now, oldestSubmittableTimestamp(now));
    expect(performance.now() - started).toBeLessThan(50);
    expect(plan.stages[0]?.outOfReach).toBeGreaterThan(100_000);
  });

  it("adds a new re-read stage where the first read stands and drops removed ones", () => {
    const marks = reconcileWatermarks({ first: at(10, 0), "reread-30m": at(9, 0) }, schedule, at(10, 5));
    expect(marks).toEqual({ first: at(10, 0), "reread-15m": at(10, 0), "reread-40m": at(10, 0) });
  });

  it("reads nothing twice in one run when a bucket is due for several stages after downtime", () => {
    const now = at(10, 50);
    const marks = { first: at(10, 0), "reread-15m": at(10, 0), "reread-40m": at(10, 0) };
    const plan = planStream(marks, schedule, now, oldestSubmittableTimestamp(now));
    const starts = plan.tasks.map((t) => t.start);
    expect(new Set(starts).size).toBe(starts.length);
  });
});
