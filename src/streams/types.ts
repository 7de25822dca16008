// A stream kind (design §3): one Segment endpoint exported as a family of series. It says which
// endpoint it reads (the rate budget's key), the limits of each granularity, how a stream's buckets
// become requests (one per bucket, or windows merged over many), how an answer is read and mapped to
// points, and which series it emits. The planner, the pipeline, `check` and the dashboards read these
// modules instead of naming kinds; a new kind is one module and one entry in STREAM_KINDS.
import type { Logger } from "pino";
import type { SourceRef } from "../mapping/tags.js";
import type { MetricKind, MetricPoint, MetricUnit, Tag } from "../mapping/types.js";
import type { Granularity, GranularityLimit } from "../plan/limits.js";
import type { StreamPlan } from "../plan/schedule.js";
import type { Connection, Discovery, SourceFilter } from "../segment/discover.js";
import type { EventGroup } from "../segment/events.js";
import type { SegmentHttp } from "../segment/http.js";
import type { OverviewAccess } from "./overview.js";

/**
 * What one stream is per. Kinds of the same scope are the parts of one stream: a bucket of a connection
 * is done when its summary and its failures by reason (and every other connection part) were accepted.
 * `day` is the workspace's daily usage reading, on a schedule of its own.
 */
export type Scope = "connection" | "source" | "workspace" | "day";

/** A workspace as the kinds see it. */
export interface WorkspaceContext {
  /** Segment's workspace id: the prefix of its stream keys, unique across workspaces. */
  id: string;
  slug: string;
  http: SegmentHttp;
  discovery: Discovery;
  /** The source filter of its settings (event volume asks only for those sources when set). */
  filter: SourceFilter;
  /** Global --tag tags, then the workspace's own. */
  tags: readonly Tag[];
  /** Delivery Overview for this workspace: one warning and no reads if its token may not use it. */
  overview: OverviewAccess;
}

/** One stream of a run: an entity of a scope in one workspace. */
export interface StreamRef {
  /** Unique across workspaces: the owner prefix of its points and the key of its progress. */
  key: string;
  scope: Scope;
  ws: WorkspaceContext;
  /** Scope `connection`. */
  connection?: Connection | undefined;
  /** Scopes `source` and `connection`. */
  source?: SourceRef | undefined;
  /** How messages name it: `web → Amplitude`, `web`, `event volume`. */
  label: string;
  /** The entity's tags (design §5), --tag tags included; kinds append their own (reason, …). */
  tags: readonly Tag[];
}

/** One fetch: a request sequence of one kind for one stream, settling its part of `buckets`. */
export interface Job {
  kind: StreamKind;
  stream: StreamRef;
  /** The request window, [start, end). */
  start: number;
  end: number;
  /** The buckets (starts, ascending) whose part this job settles. */
  buckets: readonly number[];
  /** Of those, the ones read for the first time (the rest are re-reads). */
  firstReads: readonly number[];
  /** Chosen when the job is built (just before it is fetched), for kinds that choose one per job. */
  granularity?: Granularity | undefined;
}

/** The part of the run's settings the kinds read. */
export interface KindOptions {
  prefix: string;
  bucketMs: number;
  eventsGroupBy: readonly EventGroup[];
  errorDetails: boolean;
  /** The first steps of Segment's pipeline (design §5): `--no-pipeline` turns them off. */
  pipeline: boolean;
  eventVolume: boolean;
  usage: boolean;
}

export interface ReadContext {
  options: KindOptions;
  /** The run's clock: usage is stamped with it, Delivery Overview windows are planned at it. */
  clock: () => number;
  logger: Logger;
  /** Logs `message` once per process for `key` (never once per bucket). */
  warnOnce(key: string, message: string): void;
}

/** A series a kind emits: dashboards, monitors and Datadog's historical check read these. */
export interface SeriesSpec {
  /** Without the prefix: `delivery.successes`. */
  suffix: string;
  kind: MetricKind;
  unit?: MetricUnit | undefined;
  /** Tag keys beside the scope's own (`reason`, `mtu_type`, `event_name`…). */
  extraTags?: readonly string[];
  /** The Segment value it carries, for the docs: `successes`, `failed-delivery by discardReason`. */
  from: string;
}

export interface StreamKind {
  /** Unique; used in messages and tests. */
  readonly name: string;
  readonly scope: Scope;
  /** The rate budget's key(s) and the self-metrics' `endpoint` tag; also valid in `--rate-limit`. */
  readonly endpoints: readonly string[];
  /** Maximum range and oldest start per granularity (reference §4). */
  readonly limits: readonly GranularityLimit[];
  /** Points are stamped at their bucket's start, or at run time (usage, a daily reading). */
  readonly stamp: "bucket" | "run";
  /** Whether the run's settings turn this kind on. */
  enabled(options: KindOptions): boolean;
  /** Whether it has anything to read in this workspace (default: yes). */
  appliesTo?(ws: WorkspaceContext): boolean;
  /**
   * The oldest bucket start (ms) it can read a bucket of `bucketMs` for at `now`. A stream reaches as
   * far back as its most permissive part; a part that cannot read an older bucket settles it empty
   * with one warning.
   */
  oldestServed(bucketMs: number, now: number): number;
  /**
   * The jobs reading `plan`'s buckets whose jobs start in [slabFrom, slabTo): built as the run
   * consumes them (the pipeline asks slab by slab, oldest first).
   */
  jobs(stream: StreamRef, plan: StreamPlan, slabFrom: number, slabTo: number, clock: () => number): Iterable<Job>;
  /** Reads one job from Segment and maps the answer; points stamped `bucket` carry their bucket's start. */
  read(job: Job, ctx: ReadContext): Promise<MetricPoint[]>;
  /** The series it emits under `prefix`. */
  series(options: Pick<KindOptions, "eventsGroupBy">): readonly SeriesSpec[];
}
