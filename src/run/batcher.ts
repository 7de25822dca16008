// Collects job results until they make one submission (about one Datadog request, by estimated
// JSON bytes), then hands them to the sink while fetching goes on. Whole results only: a job's points are never split over two submissions, so a job's
// owners are settled by exactly one outcome. `add` waits when `maxInFlight` submissions are already
// under way and the current batch is full: that is the pipeline's backpressure.
import { pointJsonBytes, seriesJsonBytes } from "../datadog/batch.js";
import type { OwnedPoint, Sink, SinkOutcome } from "../sink.js";
import type { JobResult } from "./fetch.js";

/** A submission is handed over once its JSON reaches this size: one request of < 5 MB (batch.ts). */
export const DEFAULT_BATCH_BYTES = 4_900_000;
/** And at the latest at this many points (the sink's own cap for one series). */
export const DEFAULT_BATCH_POINTS = 100_000;

export interface SettledBatch extends SinkOutcome {
  points: number;
  /** The sink threw (e.g. CredentialError): nothing of the batch counts as accepted. */
  error?: unknown;
}

export interface BatcherOptions {
  sink: Sink;
  batchPoints?: number;
  batchBytes?: number;
  /** Submissions under way at once; 1 keeps the sink's requests in order and memory smallest. */
  maxInFlight?: number;
  /** Called once per submission, in completion order; may write the checkpoint. */
  onSettled: (results: readonly JobResult[], outcome: SettledBatch) => Promise<void>;
}

export class Batcher {
  private results: JobResult[] = [];
  private points = 0;
  /** Estimated JSON size of what is held, packed by series as the sink will pack it. */
  private bytes = 0;
  private series = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  /** A hand-off of the held batch waiting for a submission slot; adds wait behind it. */
  private handingOff: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly options: BatcherOptions) {}

  private get batchPoints(): number {
    return this.options.batchPoints ?? DEFAULT_BATCH_POINTS;
  }

  private get full(): boolean {
    return this.points >= this.batchPoints || this.bytes >= (this.options.batchBytes ?? DEFAULT_BATCH_BYTES);
  }

  async add(result: JobResult): Promise<void> {
    this.rethrow();
    // Backpressure: while the held batch waits for a free submission slot, nothing more is taken.
    while (this.handingOff) await this.handingOff;
    // Submit what is held before it would grow past a batch (a single large result goes alone).
    if (this.points > 0 && this.points + result.points.length > this.batchPoints) await this.handOff();
    this.results.push(result);
    this.points += result.points.length;
    // The JSON size the sink will send, packed by series as it packs them (batch.ts): counted
    // from lengths, not by serialising, and within a few bytes of what is sent.
    for (const p of result.points) {
      const key = `${p.metric}\u0000${p.kind}\u0000${p.tags.join(",")}`;
      if (!this.series.has(key)) {
        this.series.add(key);
        this.bytes += seriesJsonBytes(p.metric, p.intervalS, p.tags) + 1;
      }
      this.bytes += pointJsonBytes(p.timestamp, p.value) + 1;
    }
    if (this.full) await this.handOff();
  }

  /** Submits what is held and waits for every submission to settle. */
  async close(): Promise<void> {
    while (this.handingOff) await this.handingOff;
    if (this.results.length > 0) await this.handOff();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.rethrow();
  }

  private async handOff(): Promise<void> {
    while (this.handingOff) await this.handingOff;
    this.handingOff = this.flush().finally(() => {
      this.handingOff = undefined;
    });
    await this.handingOff;
  }

  /** Waits for a submission slot, then starts submitting the held batch (without waiting for it). */
  private async flush(): Promise<void> {
    while (this.inFlight.size >= (this.options.maxInFlight ?? 1)) await Promise.race(this.inFlight);
    const results = this.results;
    const count = this.points;
    this.results = [];
    this.points = 0;
    this.bytes = 0;
    this.series = new Set();
    if (results.length === 0) return;
    const points: OwnedPoint[] = [];
    for (const r of results) for (const p of r.points) points.push(p);
    const submission = this.submit(results, points, count).finally(() => this.inFlight.delete(submission));
    this.inFlight.add(submission);
  }

  private async submit(results: JobResult[], points: OwnedPoint[], count: number): Promise<void> {
    let outcome: SettledBatch;
    try {
      outcome = { ...(await this.options.sink.submit(points)), points: count };
    } catch (error) {
      outcome = { failed: new Map(), requests: 0, points: 0, error };
    }
    try {
      await this.options.onSettled(results, outcome);
    } catch (error) {
      this.failure ??= error;
    }
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
