// What `check` found: per connection and per source, the numbers read, the verdict, and the error
// details. One value, which every reporter (table, JSON, JUnit) renders.
import type { Thresholds } from "../domain.js";
import type { ReasonSummary } from "../mapping/failures.js";
import type { ConnectionNumbers, Verdict } from "../mapping/thresholds.js";

export interface ConnectionResult extends Verdict {
  workspace: string;
  source: string;
  sourceId: string;
  /** How people read it: the destination's name, else its catalog name. */
  destination: string;
  destinationId: string;
  numbers: ConnectionNumbers;
  /** The thresholds this connection was judged by (flags, config, workspace and destination overrides). */
  thresholds: Thresholds;
  /**
   * Failed deliveries by reason over the window, count descending (design §5). Absent when error
   * details are off, Delivery Overview is not available to the token, or the read failed (a warning
   * says which): unknown, not "none".
   */
  errors?: ReasonSummary[];
  /** Events a destination filter or mapping dropped, by reason (design §5, The pipeline); absent when not read. */
  filteredAtDestination?: ReasonSummary[];
}

/** The first steps of Segment's pipeline for one source over the window (design §5). */
export interface SourcePipeline {
  received: number;
  ingestFailed: ReasonSummary[];
  filteredAtSource: ReasonSummary[];
}

export interface SourceResult extends Verdict {
  workspace: string;
  source: string;
  sourceId: string;
  events: number;
  trend: number[];
  /** Absent when the pipeline is off, Delivery Overview is not available to the token, or a read failed. */
  pipeline?: SourcePipeline;
}

export interface CheckReport {
  from: string;
  to: string;
  ok: boolean;
  /** The thresholds of the run (before per-workspace and per-destination overrides). */
  thresholds: Thresholds;
  connections: ConnectionResult[];
  sources: SourceResult[];
}

/** Renders a report for one audience: a terminal table, one JSON document, JUnit XML. */
export interface Reporter {
  render(report: CheckReport): string;
}
