// Domain types shared by planning, mapping and configuration: a leaf module, so plan/ and mapping/
// depend on no configuration code (design §3: modules import downwards only).

/** Shard i (0-based) of n: which connections a process takes (design §6). */
export interface Shard {
  index: number;
  count: number;
}

/**
 * `check` thresholds (and the monitors' defaults). Undefined: not set here (a later source or the
 * default decides); null: turned off explicitly (`--min-success-rate off`).
 */
export interface Thresholds {
  minSuccessRate?: number | null | undefined;
  maxP95Ms?: number | null | undefined;
  minEvents?: number | null | undefined;
  /** Fewer deliveries than this in the window: the success rate is not judged (one failure of one is not 0 %). */
  minDeliveries?: number | undefined;
}

/** What one run did in one workspace (design §5's summary: the log line, `--json`, the health series). */
export interface WorkspaceSummary {
  /** The workspace's slug (its `workspace` tag). */
  workspace: string;
  connections: number;
  sources: number;
  /** Buckets read for the first time and accepted, over every stream. */
  bucketsExported: number;
  /** The same, by what a bucket is of: `connection`, `source`, `event-volume`. */
  exportedBy: Record<string, number>;
  bucketsReread: number;
  bucketsFailed: number;
  /** First reads out of reach (too old for Segment or the sink): never exported, reported. */
  bucketsMissed: number;
  /** Planned and not reached (the run was stopped): they stay pending. */
  bucketsPending: number;
  /** Re-reads out of reach, skipped (the bucket was exported at its first read). */
  rereadsSkipped: number;
  /** now − end of the newest bucket the slowest stream has first-read. */
  lagMs?: number | undefined;
}

/** One run, summed over its workspaces; the one shape every report of a run is made from. */
export interface RunSummary extends Omit<WorkspaceSummary, "workspace" | "lagMs"> {
  command: "export" | "backfill";
  /** The backend's name for people: `Datadog`, `Datadog (dry run)`. */
  sink: string;
  dryRun: boolean;
  workspaces: WorkspaceSummary[];
  /** Points the sink accepted. */
  points: number;
  /** Points the sink refused because it already held a value for them (remote-write duplicates). */
  pointsRejected: number;
  /** Requests the sink made for the run's points (the health series' own request not included). */
  sinkRequests: number;
  /** Requests the run's health series took after the run (0 in a dry run, or when they failed). */
  healthRequests: number;
  segmentCalls: number;
  durationMs: number;
  /** The largest lag over the workspaces. */
  lagMs?: number | undefined;
  /** When the next bucket is due for its first read (export), ISO 8601. */
  nextDueAt?: string | undefined;
  /** The first few failure messages, for the one-line error. */
  failures: string[];
  /** Set when SIGINT/SIGTERM, --max-duration, a lost lock or a rejected credential stopped the run. */
  stopped?: string | undefined;
  backfill?:
    | {
        from: string;
        to: string;
        /** Bucket length in seconds. */
        bucket: number;
        /** Buckets this run set out to export (after what an earlier, interrupted run finished). */
        planned: number;
        resumed: boolean;
      }
    | undefined;
}
