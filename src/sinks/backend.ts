// What the rest of the program knows about a backend before it opens one: enough to validate a
// schedule at start-up (exit 2 before any request), plan a dry run exactly as the real run, and print
// what it would send. Opening loads the backend's client only when points are really sent.
import type { OwnedPoint, Sink, SubmissionLimits, SubmissionSize, WriteRule } from "./types.js";

/**
 * The non-secret settings that decide how old a point a backend takes: known before any secret is
 * read, so a schedule is checked (exit 2) first.
 */
export interface SinkAge {
  /** Datadog's Historical Metrics Ingestion is on for the prefix (`--historical`). */
  historical: boolean;
  /** A configured oldest age, for a backend that has one (`--remote-write-max-age`). */
  maxAgeMs?: number | undefined;
}

export interface SinkOpenOptions {
  logger: import("pino").Logger;
  timeoutMs: number;
  /** Aborted on deadline or signal: requests in flight stop. */
  signal?: AbortSignal | undefined;
  /** When the run must stop (epoch ms): a wait a server asks for that would end later is not waited. */
  deadlineAt?: number | undefined;
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
  maxAgeMs(age: SinkAge): number;
  /** How to send points older than that, if the backend can (for the start-up error). */
  readonly ageAdvice?: string;
  /** The same as the open sink's, for a dry run. */
  oldestAcceptedMs(now: number, age: SinkAge): number;
  measure(): SubmissionSize;
  /**
   * Why tag keys (`--tag`, a workspace's `tags`) cannot be sent as this backend writes tags, if they
   * cannot: checked at start-up (exit 2) rather than losing every point that carries them.
   */
  checkTagKeys?(keys: readonly string[]): string | undefined;
  /** One JSON line per series: what the backend would be sent (`--dry-run`). */
  dryRunLines(points: readonly OwnedPoint[]): string[];
  open(settings: Settings, options: SinkOpenOptions): Promise<Sink>;
}
