// One Datadog point as the pipeline carries it between map and submit.

export type MetricKind = "count" | "gauge";

export interface MetricPoint {
  metric: string;
  kind: MetricKind;
  /** POSIX seconds: the bucket start for counts and bucket gauges, run time for usage gauges. */
  timestamp: number;
  value: number;
  /** Bucket length in seconds; counts only. */
  intervalS?: number;
  tags: readonly string[];
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
