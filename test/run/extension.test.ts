// Issue #19, "Done when": a toy stream kind and a toy sink, defined here and nowhere under src/, run
// through a real export (the planner, the pipeline, the checkpoint) with nothing under src/ changed:
// they are registered through RunDeps, as an embedder would.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import type { MetricPoint } from "../../src/mapping/types.js";
import { runExport } from "../../src/run/export.js";
import { getEventVolume } from "../../src/segment/events.js";
import type { OwnedPoint, Sink, SinkOutcome } from "../../src/sinks/types.js";
import { bucketJobs } from "../../src/streams/jobs.js";
import { STREAM_KINDS } from "../../src/streams/registry.js";
import type { StreamKind } from "../../src/streams/types.js";
import { HOUR, MINUTE } from "../../src/time.js";
import { deps, exportConfig } from "../helpers/export.js";

const NOW = Date.UTC(2026, 10, 25, 10, 7, 30);
const B = 5 * MINUTE;

/**
 * A per-source kind of its own: each bucket's event volume of one source, as `<p>.toy.events` — one
 * request per bucket, on a budget key of its own. Its parts count with the source's other parts.
 */
let failOnce: string | undefined;
const toyKind: StreamKind = {
  name: "toy events",
  scope: "source",
  endpoints: ["toy-events"],
  limits: [{ granularity: "MINUTE", stepMs: MINUTE, maxRangeMs: 4 * HOUR, oldestStartMs: 48 * HOUR }],
  stamp: "bucket",
  enabled: () => true,
  oldestServed: (_bucketMs, now) => now - 48 * HOUR,
  jobs(stream, plan, from, to, clock) {
    return bucketJobs(this, stream, plan, from, to, clock);
  },
  async read(job, ctx): Promise<MetricPoint[]> {
    const source = job.stream.source;
    if (!source || !job.granularity) return [];
    if (failOnce === source.id) {
      failOnce = undefined;
      throw new Error("the toy kind failed once");
    }
    const entries = await getEventVolume(job.stream.ws.http, {
      start: job.start,
      end: job.end,
      granularity: job.granularity,
      groupBy: ["source"],
      sourceIds: [source.id],
    });
    const value = entries.flatMap((e) => e.series).reduce((n, p) => n + p.count, 0);
    return [
      {
        metric: `${ctx.options.prefix}.toy.events`,
        kind: "count",
        timestamp: job.start / 1000,
        value,
        intervalS: ctx.options.bucketMs / 1000,
        tags: job.stream.tags,
      },
    ];
  },
  series: () => [{ suffix: "toy.events", kind: "count", from: "events volume of one source" }],
};

/** A sink of its own: keeps every point in memory, last write wins, accepts everything. */
class ToySink implements Sink {
  readonly label = "the toy sink";
  readonly writeRule = "overwrite" as const;
  readonly limits = { bytes: 10_000, points: 1_000 };
  readonly stored = new Map<string, number>();
  verified = 0;
  submissions = 0;
  oldestAcceptedMs(now: number): number {
    return now - HOUR;
  }
  measure() {
    let bytes = 0;
    return {
      add: (p: MetricPoint) => {
        bytes += p.metric.length + 20;
      },
      get bytes() {
        return bytes;
      },
    };
  }
  async verify(): Promise<void> {
    this.verified += 1;
  }
  async submit(points: readonly OwnedPoint[]): Promise<SinkOutcome> {
    this.submissions += 1;
    for (const p of points) {
      const key = `${p.metric}|${p.tags.map(([k, v]) => `${k}=${v}`).join(",")}|${p.timestamp}`;
      this.stored.set(key, p.value);
    }
    return { failed: new Map(), requests: 1 };
  }
  async close(): Promise<void> {}
}

let emulators: Emulators;
beforeEach(async () => {
  emulators = await startEmulators({ segment: { now: () => NOW }, datadog: { now: () => NOW } });
});
afterEach(async () => {
  await emulators.close();
});

describe("a stream kind and a sink defined outside src/", () => {
  it("run through a real export: every toy point equals the truth, and a toy part holds its bucket's checkpoint", async () => {
    const sink = new ToySink();
    const source = emulators.segment.fixture.sources[0];
    if (!source) throw new Error("no source");
    failOnce = source.id;
    const config = exportConfig(emulators);
    const summary = await runExport(config, { ...deps(() => NOW), sink, kinds: [...STREAM_KINDS, toyKind] });
    expect(sink.verified).toBe(1);
    const toyPoints = [...sink.stored].filter(([key]) => key.startsWith("segment_exporter.toy.events|"));
    // The source streams exist because a source-scope kind is registered; one toy bucket failed.
    const buckets = summary.exportedBy["event-volume"] ?? 0;
    expect(buckets).toBeGreaterThanOrEqual(9);
    expect(summary.exportedBy.source).toBe(emulators.segment.fixture.sources.length * buckets - 1);
    expect(summary.bucketsFailed).toBe(1);
    expect(toyPoints).toHaveLength(emulators.segment.fixture.sources.length * buckets - 1);
    for (const [key, value] of toyPoints) {
      const id = /source_id=([^,|]+)/.exec(key)?.[1] ?? "";
      const t = Number(key.split("|")[2]) * 1000;
      expect(value, key).toBe(emulators.segment.truth.eventVolume(id, t, t + B, NOW));
    }
    // The failed toy part kept that source's first watermark at its bucket; the others moved on.
    const state = JSON.parse(readFileSync(config.statePath, "utf8"));
    const ws = Object.values(state.workspaces)[0] as { sources: Record<string, { stages: { first: string } }> };
    const marks = Object.entries(ws.sources).map(([id, s]) => [id, Date.parse(s.stages.first)] as const);
    const failed = marks.find(([id]) => id === source.id)?.[1] ?? 0;
    expect(marks.filter(([, m]) => m > failed)).toHaveLength(emulators.segment.fixture.sources.length - 1);
    // The next run reads that source from the failed bucket on (the buckets after it again: an
    // overwrite) and completes it; the other sources have nothing due.
    const end = Math.max(...marks.map(([, m]) => m));
    const next = await runExport(config, { ...deps(() => NOW), sink, kinds: [...STREAM_KINDS, toyKind] });
    expect(next.bucketsFailed).toBe(0);
    expect(next.exportedBy.source).toBe((end - failed) / B);
    expect(emulators.datadog.requests).toHaveLength(0);
  });

  it("--rate-limit accepts the toy kind's own endpoint only when the kind is registered", async () => {
    const config = { ...exportConfig(emulators), rateLimits: { "toy-events": 30 } };
    await expect(
      runExport(
        config,
        deps(() => NOW),
      ),
    ).rejects.toThrow(/'toy-events' is not an endpoint the exporter reads/);
    const sink = new ToySink();
    const summary = await runExport(config, { ...deps(() => NOW), sink, kinds: [...STREAM_KINDS, toyKind] });
    expect(summary.bucketsFailed).toBe(0);
  });
});
