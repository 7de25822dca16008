// Where points go (design §3): every destination of points is a Sink. The run hands it points, each
// owned by the bucket it belongs to, and learns which owners were not accepted. Everything that is a
// backend's own lives behind this interface, in the backend's folder: how big a request may be (and how
// a submission is measured), how old a point it still takes, how it takes a second write of a point,
// how tags are written, how its key is checked, and what a dry run prints. A backend is one folder here
// and one entry in `BACKENDS` (registry.ts); nothing else names it.
import type { MetricPoint } from "../mapping/types.js";

/** A point and the owner (a bucket of a stream) whose checkpoint depends on it. */
export interface OwnedPoint extends MetricPoint {
  owner: string;
}

export interface SinkOutcome {
  /** owner → why its points were not accepted. Owners not listed were accepted. */
  failed: Map<string, string>;
  /** Requests made (retries included), for the run's summary. */
  requests: number;
  /**
   * Points the backend refused because it already holds a value for them (a remote-write duplicate):
   * their owners count as accepted; the run reports the number once.
   */
  rejected?: number;
}

/**
 * How a backend takes a point sent a second time (design §5, Sinks). `overwrite`: the last write wins,
 * so a bucket is sent at its first read and again at every re-read. `once`: a second write would add
 * to the first (New Relic) or be refused (Prometheus), so each bucket is read and sent once, at its
 * last read age.
 */
export type WriteRule = "overwrite" | "once";

/** A running measure of one submission, in the unit the backend's request limit is written in. */
export interface SubmissionSize {
  add(point: MetricPoint): void;
  readonly bytes: number;
  /**
   * The measure keeps every point added, in the sink's own form (Datadog's series), and `submit`
   * reads them from it: the batcher then lets each job's points go once they are measured and hands
   * `submit` an empty list. At 10 000 connections the point objects of the batch being filled and the
   * one being sent were ~7 MB held twice over.
   */
  readonly holdsPoints?: boolean;
}

export interface SubmissionLimits {
  /** A submission is handed over once its measure reaches this: about one full request. */
  bytes: number;
  /** …or this many points, whatever their size. */
  points: number;
}

/** What a sink may check before the run reads anything (`verify`). */
export interface SinkCheck {
  /** Series the run stamps at bucket starts (old timestamps): a backend with an age rule checks them. */
  bucketSeries: readonly string[];
}

export interface Sink {
  /** The backend's name for people: "Datadog", "New Relic", "the remote-write receiver". */
  readonly label: string;
  readonly writeRule: WriteRule;
  readonly limits: SubmissionLimits;
  /**
   * The oldest timestamp (epoch ms) a point may have and still be stored, at `now`. Buckets older
   * than this are reported as missed by planning rather than sent to be dropped.
   */
  oldestAcceptedMs(now: number): number;
  /** A fresh measure for the next submission (the batcher fills submissions by it). */
  measure(): SubmissionSize;
  /**
   * One request proving the backend is reachable and takes our key, before the run reads Segment.
   * Throws CredentialError (exit 3) when the key is refused; any other failure names the host and
   * the setting it came from.
   */
  verify(check: SinkCheck): Promise<void>;
  /**
   * Submits points; resolves with what was not accepted. Throws CredentialError when the sink
   * refuses our credentials (nothing later can succeed). `measured`, when given, is this sink's own
   * `measure()` filled with exactly the points of this submission, in order: a sink may reuse the work
   * done there (Datadog grouped the points into series as they came), and when it `holdsPoints`,
   * `points` is empty and the measure is the submission.
   */
  submit(points: readonly OwnedPoint[], measured?: SubmissionSize): Promise<SinkOutcome>;
  close(): Promise<void>;
}
