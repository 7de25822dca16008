// Collects job results until they make one submission (about one request to the sink, as the sink
// measures it), then hands them to the sink while fetching goes on. Whole results only: a job's points
// are never split over two submissions, so a job's owners are settled by exactly one outcome. `add`
// waits while a submission is under way and the current one is full: that is the pipeline's
// backpressure, and it keeps the sink's requests in order (a remote-write receiver needs each
// series' samples in time order).
import type { OwnedPoint, Sink, SinkOutcome, SubmissionSize } from "../sinks/types.js";
import type { JobResult } from "./pipeline.js";

export interface SettledBatch extends SinkOutcome {
  points: number;
  /** The sink threw (e.g. CredentialError): nothing of the batch counts as accepted. */
  error?: unknown;
}

export interface BatcherOptions {
  sink: Sink;
  /** Points per submission, below the sink's own cap (tests shrink it). */
  batchPoints?: number;
  /** Called once per submission, in completion order; may write the checkpoint. */
  onSettled: (results: readonly JobResult[], outcome: SettledBatch) => Promise<void>;
}

export class Batcher {
  private results: JobResult[] = [];
  private points = 0;
  private size: SubmissionSize;
  private inFlight: Promise<void> | undefined;
  /** A hand-off of the held batch waiting for the submission under way; adds wait behind it. */
  private handingOff: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly options: BatcherOptions) {
    this.size = options.sink.measure();
  }

  private get batchPoints(): number {
    return Math.min(this.options.batchPoints ?? Number.POSITIVE_INFINITY, this.options.sink.limits.points);
  }

  private get full(): boolean {
    return this.points >= this.batchPoints || this.size.bytes >= this.options.sink.limits.bytes;
  }

  async add(result: JobResult): Promise<void> {
    this.rethrow();
    // Backpressure: while the held batch waits for the submission under way, nothing more is taken.
    while (this.handingOff) await this.handingOff;
    // Submit what is held before it would grow past a batch (a single large result goes alone).
    if (this.points > 0 && this.points + result.points.length > this.batchPoints) await this.handOff();
    this.points += result.points.length;
    for (const p of result.points) this.size.add(p);
    // A measure that holds the points is the submission: the result keeps only what settling reads.
    this.results.push(this.size.holdsPoints ? { ...result, points: [] } : result);
    if (this.full) await this.handOff();
  }

  /** Submits what is held and waits for every submission to settle. */
  async close(): Promise<void> {
    while (this.handingOff) await this.handingOff;
    if (this.results.length > 0) await this.handOff();
    while (this.inFlight) await this.inFlight;
    this.rethrow();
  }

  private async handOff(): Promise<void> {
    while (this.handingOff) await this.handingOff;
    this.handingOff = this.flush().finally(() => {
      this.handingOff = undefined;
    });
    await this.handingOff;
  }

  /** Waits for the submission under way, then starts submitting the held batch (without waiting for it). */
  private async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    const results = this.results;
    const count = this.points;
    const measured = this.size;
    this.results = [];
    this.points = 0;
    this.size = this.options.sink.measure();
    if (results.length === 0) return;
    const points: OwnedPoint[] = [];
    for (const r of results) for (const p of r.points) points.push(p);
    const submission = this.submit(results, points, count, measured).finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = submission;
  }

  private async submit(
    results: JobResult[],
    points: OwnedPoint[],
    count: number,
    measured: SubmissionSize,
  ): Promise<void> {
    let outcome: SettledBatch;
    try {
      // The measure was filled with exactly these points, in this order (`add`).
      outcome = { ...(await this.options.sink.submit(points, measured)), points: count };
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
