// Where points go (design §3): every destination of points is a Sink. The run hands it points, each
// owned by the bucket it belongs to, and learns which owners were not accepted; planning asks it how
// old a point it still accepts. Datadog (src/datadog/) and the dry-run NDJSON printer (src/ndjson/)
// implement it; another backend is one new folder and one line in `openSink` (src/run/session.ts).
import type { MetricPoint } from "./mapping/types.js";

/** A point and the owner (a bucket of a stream) whose checkpoint depends on it. */
export interface OwnedPoint extends MetricPoint {
  owner: string;
}

export interface SinkOutcome {
  /** owner → why its points were not accepted. Owners not listed were accepted. */
  failed: Map<string, string>;
  /** Requests made (retries included), for the run's summary. */
  requests: number;
}

export interface Sink {
  /**
   * The oldest timestamp (epoch ms) a point may have and still be stored, at `now`. Buckets older
   * than this are reported as missed by planning rather than sent to be dropped.
   */
  oldestAcceptedMs(now: number): number;
  /**
   * Submits points; resolves with what was not accepted. Throws CredentialError when the sink
   * refuses our credentials (nothing later can succeed).
   */
  submit(points: readonly OwnedPoint[]): Promise<SinkOutcome>;
  close(): Promise<void>;
}
