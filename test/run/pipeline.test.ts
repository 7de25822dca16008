// Issue #14: the streaming pipeline through the Sink interface. A sink that rejects some batches
// advances only the buckets it accepted; a sink that does not answer holds the run's memory to a
// bounded number of fetched jobs (backpressure), and the run completes once it answers.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { generateFixture } from "../../src/emulator/segment/fixture.js";
import { FIRST_STAGE } from "../../src/plan/schedule.js";
import { runExport } from "../../src/run/export.js";
import { WORKERS_PER_SLOT } from "../../src/run/pipeline.js";
import type { OwnedPoint, Sink, SinkOutcome } from "../../src/sinks/types.js";
import { deps, exportConfig } from "../helpers/export.js";

const NOW = Date.UTC(2026, 10, 25, 10, 7, 30);
const BUCKET = 300_000;
let emulators: Emulators | undefined;

afterEach(async () => {
  await emulators?.close();
  emulators = undefined;
});

/** Records what it is sent; `decide` says per submission whether to accept it. */
class RecordingSink implements Sink {
  readonly label = "the test sink";
  readonly writeRule = "overwrite" as const;
  readonly limits = { bytes: Number.POSITIVE_INFINITY, points: 100_000 };
  submissions = 0;
  readonly accepted = new Set<string>();
  readonly rejected = new Set<string>();
  constructor(private readonly decide: (n: number) => boolean | Promise<boolean>) {}
  oldestAcceptedMs(now: number): number {
    return now - 55 * 60_000;
  }
  measure() {
    return { add: () => {}, bytes: 0 };
  }
  async verify(): Promise<void> {}
  async submit(points: readonly OwnedPoint[]): Promise<SinkOutcome> {
    const n = ++this.submissions;
    const ok = await this.decide(n);
    const owners = new Set(points.map((p) => p.owner));
    const failed = new Map<string, string>();
    for (const owner of owners) {
      if (ok) this.accepted.add(owner);
      else {
        this.rejected.add(owner);
        failed.set(owner, `submission ${n} rejected by the test sink`);
      }
    }
    return { failed, requests: 1 };
  }
  async close(): Promise<void> {}
}

/** First-read watermarks by stream key (delivery streams, and `<ws>/events`). */
function firstMarks(statePath: string): Map<string, number> {
  const state = JSON.parse(readFileSync(statePath, "utf8"));
  const marks = new Map<string, number>();
  for (const [wsId, ws] of Object.entries(state.workspaces) as Array<
    [
      string,
      {
        delivery: Record<string, { stages: Record<string, string> }>;
        events?: { stages: Record<string, string> };
      },
    ]
  >) {
    for (const [key, c] of Object.entries(ws.delivery)) {
      marks.set(`${wsId}/${key}`, Date.parse(c.stages[FIRST_STAGE] as string));
    }
    if (ws.events) marks.set(`${wsId}/events`, Date.parse(ws.events.stages[FIRST_STAGE] as string));
  }
  return marks;
}

describe("the Sink interface", () => {
  it("a sink that rejects every other batch: only accepted buckets advance, and the next run finishes", async () => {
    emulators = await startEmulators({ segment: { now: () => NOW }, datadog: { now: () => NOW } });
    const config = exportConfig(emulators, { concurrency: 4 });
    const rejecting = new RecordingSink((n) => n % 2 === 0);
    const first = await runExport(config, { ...deps(() => NOW), sink: rejecting, batchPoints: 40 });
    expect(rejecting.submissions).toBeGreaterThan(4);
    expect(first.bucketsFailed).toBeGreaterThan(0);
    expect(first.bucketsExported).toBeGreaterThan(0);

    const marks = firstMarks(config.statePath);
    expect(marks.size).toBe(6 + 1);
    const start = NOW - 55 * 60_000 + (BUCKET - ((NOW - 55 * 60_000) % BUCKET));
    for (const [stream, mark] of marks) {
      // Every bucket below the watermark was accepted (no part of it rejected)…
      for (let t = start; t < mark; t += BUCKET) {
        expect(rejecting.rejected.has(`${stream}@${t}`), `${stream}@${t}`).toBe(false);
      }
      // …and the bucket at the watermark, if one was due, was not (fully) accepted.
      if (mark + BUCKET <= NOW - 120_000) expect(rejecting.rejected.has(`${stream}@${mark}`)).toBe(true);
    }

    // The next run reads exactly what lies above the watermarks: the rejected buckets and any
    // accepted one after a rejected one in the same stream (sent again: an overwrite).
    const end = Date.UTC(2026, 10, 25, 10, 5);
    const left = [...marks.values()].reduce((n, m) => n + (end - m) / BUCKET, 0);
    expect(left).toBeGreaterThanOrEqual(first.bucketsFailed);
    const accepting = new RecordingSink(() => true);
    const second = await runExport(config, { ...deps(() => NOW), sink: accepting, batchPoints: 40 });
    expect(second.bucketsFailed).toBe(0);
    expect(second.bucketsExported).toBe(left);
    for (const mark of firstMarks(config.statePath).values()) expect(mark).toBe(end);
  });
});

describe("backpressure", () => {
  it("while the sink does not answer, only a bounded number of jobs is fetched; then the run completes", async () => {
    emulators = await startEmulators({
      segment: {
        now: () => NOW,
        fixture: generateFixture({ sources: 20, destinationsPerSource: 5, seed: 3 }),
        defaultRateLimitPerMinute: 1_000_000,
      },
      datadog: { now: () => NOW },
    });
    const segment = emulators.segment;
    const delivery = () => segment.requests.filter((r) => r.route === "delivery-metrics").length;
    let release: () => void = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const sink = new RecordingSink(async (n) => {
      if (n === 1) await released;
      return true;
    });
    const config = exportConfig(emulators, { concurrency: 8, eventVolume: false, errorDetails: false });
    const running = runExport(config, { ...deps(() => NOW), sink, batchPoints: 50 });

    // Wait until fetching stalls behind the unanswered submission (the count stops growing).
    let last = -1;
    for (let stable = 0; stable < 5; ) {
      await new Promise((r) => setTimeout(r, 100));
      const now = delivery();
      stable = now === last && now > 0 ? stable + 1 : 0;
      last = now;
    }
    const active = segment.fixture.destinations.filter((d) => d.enabled).length;
    const total = active * 10;
    // ~10 points a job: one batch in flight (5 jobs), one held (5), one result per worker (two per slot).
    expect(last).toBeLessThanOrEqual(5 + 5 + WORKERS_PER_SLOT * 8 + 2);
    expect(last).toBeLessThan(total / 10);

    release();
    const summary = await running;
    expect(summary.bucketsExported).toBe(total);
    expect(summary.bucketsFailed).toBe(0);
    expect(delivery()).toBe(total);
  });
});
