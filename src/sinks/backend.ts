// What the rest of the program knows about a backend before it opens one: enough to validate a
// schedule at start-up (exit 2 before any request), plan a dry run exactly as the real run, and print
// what it would send. Opening loads the backend's client only when points are really sent.
import type { OwnedPoint, Sink, SubmissionLimits, SubmissionSize, WriteRule } from "./types.js";

export interface SinkOpenOptions {
  logger: import("pino").Logger;
  timeoutMs: number;
  /** Aborted on deadline or signal: requests in flight stop. */
  signal?: AbortSignal | undefined;
  /** Retries of a failed request (default: the backend's own). */
  retries?: number;
  /** Datadog's Historical Metrics Ingestion is on for the prefix. */
  historical: boolean;
}

export interface Backend<Settings> {
  /** The `--sink` value. */
  readonly name: string;
  readonly label: string;
  readonly writeRule: WriteRule;
  readonly limits: SubmissionLimits;
  /**
   * The oldest age (ms, from now) of a point this backend stores; the start-up check refuses a
   * schedule that would send older ones.
   */
  maxAgeMs(settings: Settings | undefined, historical: boolean): number;
  /** How to send points older than that, if the backend can (for the start-up error). */
  readonly ageAdvice?: string;
  /** The same as the open sink's, for a dry run. */
  oldestAcceptedMs(now: number, settings: Settings | undefined, historical: boolean): number;
  measure(): SubmissionSize;
  /** One JSON line per series: what the backend would be sent (`--dry-run`). */
  dryRunLines(points: readonly OwnedPoint[]): string[];
  open(settings: Settings, options: SinkOpenOptions): Promise<Sink>;
}
