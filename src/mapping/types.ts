// One point as the pipeline carries it between map and submit, in no backend's format: tags are
// key/value pairs, and a sink writes them as its backend wants them (Datadog `k:v` strings, New Relic
// attributes, Prometheus labels).

export type MetricKind = "count" | "gauge";

/** A tag as a key/value pair; keys are the names of design §5 (`workspace`, `source_slug`, …). */
export type Tag = readonly [key: string, value: string];

/**
 * The unit of a value, where a backend's conventions depend on it (Prometheus wants seconds and a
 * `_seconds` suffix); absent for plain counts.
 */
export type MetricUnit = "milliseconds" | "seconds";

export interface MetricPoint {
  metric: string;
  kind: MetricKind;
  /** POSIX seconds: the bucket start for counts and bucket gauges, run time for usage gauges. */
  timestamp: number;
  value: number;
  /** Bucket length in seconds; counts only. */
  intervalS?: number;
  unit?: MetricUnit;
  /** Shared between the points of one series wherever possible: sinks key their grouping on it. */
  tags: readonly Tag[];
}

/** A warning the run logs once per distinct key (per process), never per bucket. */
export interface MappingWarning {
  key: string;
  message: string;
}

export interface Mapped {
  points: MetricPoint[];
  warnings: MappingWarning[];
}
