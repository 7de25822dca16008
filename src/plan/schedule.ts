// The read schedule of design §2 as pure functions. A stream (one connection's delivery metrics,
// or one workspace's event volume) has one watermark per *stage*: the first read at `--delay` after
// a bucket ends, then one stage per `--reread` age. A watermark is the end of the newest bucket
// through which that stage is done; it only moves over buckets that succeeded or were reported.
import { formatDuration } from "../units.js";
import { alignDown, alignUp } from "./buckets.js";
import { FRESH_START_MS, SEGMENT_RETRY_HORIZON_MS } from "./limits.js";

export interface Schedule {
  bucketMs: number;
  delayMs: number;
  /** Ascending ages after a bucket's end at which it is read again. */
  rereadMs: readonly number[];
  historical: boolean;
  /**
   * The sink takes each point once (design §5, Sinks: a second write adds or is refused): every
   * bucket is read once, at its last read age, and never again.
   */
  once?: boolean | undefined;
}

export const FIRST_STAGE = "first";

export interface Stage {
  key: string;
  ageMs: number;
}

/** Per schedule object: every stream of a run asks (a run has one schedule, 10 000 streams). */
const stagesBySchedule = new WeakMap<Schedule, readonly Stage[]>();

export function stagesOf(schedule: Schedule): readonly Stage[] {
  let stages = stagesBySchedule.get(schedule);
  if (!stages) {
    stages = schedule.once
      ? [{ key: FIRST_STAGE, ageMs: sendingAgeMs(schedule) }]
      : [
          { key: FIRST_STAGE, ageMs: schedule.delayMs },
          ...schedule.rereadMs.map((ageMs) => ({ key: `reread-${formatDuration(ageMs)}`, ageMs })),
        ];
    stagesBySchedule.set(schedule, stages);
  }
  return stages;
}

/** The age (after a bucket's end) of its last read: when a `once` sink reads and sends it. */
export function sendingAgeMs(schedule: Pick<Schedule, "delayMs" | "rereadMs">): number {
  return Math.max(schedule.delayMs, ...schedule.rereadMs);
}

/** stage key → end (exclusive, epoch ms) of the newest bucket done for that stage. */
export type Watermarks = Record<string, number>;

/**
 * Where a stream that has no state starts: 55 minutes back whatever the sink (design §5; older data
 * is `backfill`'s job), or, with Datadog's historical ingestion, far enough back to cover Segment's
 * retry horizon.
 */
export function initialWatermark(schedule: Schedule, now: number): number {
  if (schedule.historical) return alignDown(now - SEGMENT_RETRY_HORIZON_MS, schedule.bucketMs);
  return alignUp(now - FRESH_START_MS, schedule.bucketMs);
}

/**
 * Where a stream without state starts: `initialWatermark`, but not before the oldest bucket the run
 * can send (`reach`): a remote-write receiver takes less than 55 minutes by default, and buckets that
 * were never this stream's to send are not reported as missed.
 */
export function freshStart(schedule: Schedule, now: number, reach: number): number {
  return Math.max(initialWatermark(schedule, now), alignUp(reach, schedule.bucketMs));
}

export interface WatermarkNote {
  stage: string;
  was: number;
  now: number;
  why: "ahead" | "unaligned";
}

/**
 * Watermarks read from the state file are not trusted blindly. One off a bucket boundary (edited by
 * hand) is moved back to the boundary before it: that bucket is read again, which overwrites and
 * never double counts. One ahead of the newest bucket due for its stage (the clock was stepped
 * ahead during an earlier run) is pulled back to that bucket, so the buckets it skipped over are
 * read when they are due instead of never; the caller reports every note as a warning.
 */
export function checkWatermarks(
  existing: Watermarks | undefined,
  schedule: Schedule,
  now: number,
): { marks: Watermarks | undefined; notes: WatermarkNote[] } {
  if (!existing) return { marks: undefined, notes: [] };
  const notes: WatermarkNote[] = [];
  const ages = new Map(stagesOf(schedule).map((s) => [s.key, s.ageMs]));
  const marks: Watermarks = {};
  for (const [stage, was] of Object.entries(existing)) {
    let mark = alignDown(was, schedule.bucketMs);
    if (mark !== was) notes.push({ stage, was, now: mark, why: "unaligned" });
    const newestDue = alignDown(now - (ages.get(stage) ?? 0), schedule.bucketMs);
    if (mark > newestDue) {
      notes.push({ stage, was, now: newestDue, why: "ahead" });
      mark = newestDue;
    }
    marks[stage] = mark;
  }
  return { marks, notes };
}

/**
 * Watermarks for the current schedule: stages that were removed are dropped; a stage that is new
 * starts where the first read stands (it re-reads only buckets read from now on).
 */
export function reconcileWatermarks(existing: Watermarks | undefined, schedule: Schedule, now: number): Watermarks {
  const first = existing?.[FIRST_STAGE] ?? initialWatermark(schedule, now);
  const result: Watermarks = {};
  for (const stage of stagesOf(schedule)) result[stage.key] = existing?.[stage.key] ?? first;
  return result;
}

export interface BucketTask {
  start: number;
  end: number;
  /** Stages this read satisfies (a bucket due for several stages is read once). */
  stages: string[];
  firstRead: boolean;
}

export interface StagePlan {
  key: string;
  /** First bucket start of the stage that will be attempted (after out-of-reach buckets). */
  from: number;
  /** End of the newest bucket due for this stage. */
  to: number;
  /** Buckets due but out of reach: missed data for the first read, skipped re-reads otherwise. */
  outOfReach: number;
  outOfReachFrom: number;
}

export interface StreamPlan {
  /**
   * The buckets to read, oldest first, derived from the stages on each access: a plan holds only
   * its stages (a few numbers), not one object per bucket, so 10 000 streams, or a 48 h backfill of
   * them, cost no memory per bucket until a bucket's job is built. Iterate with `iterateTasks`.
   */
  readonly tasks: BucketTask[];
  readonly stages: StagePlan[];
  readonly bucketMs: number;
  /** The stage whose reads count as first reads. */
  readonly firstStage: string;
}

// `tasks` lives on the prototype: an object literal with its own getter is one closure per plan and
// is stored as a dictionary by V8 (~0.5 KB a plan, most of a 10 000-stream run's plan memory).
class Plan implements StreamPlan {
  constructor(
    readonly stages: StagePlan[],
    readonly bucketMs: number,
    readonly firstStage: string,
  ) {}

  get tasks(): BucketTask[] {
    return [...iterateTasks(this)];
  }
}

/** A plan over `stages`; `tasks` is computed from them when asked for. */
export function streamPlan(stages: StagePlan[], bucketMs: number, firstStage = FIRST_STAGE): StreamPlan {
  return new Plan(stages, bucketMs, firstStage);
}

/**
 * Equal plans as one shared object. The streams of a run mostly have the same watermarks (all of them
 * on a fresh state or after a run that went well), so 10 000 streams share a handful of plans instead
 * of holding one each. Plans are never changed once made, which is what makes sharing them safe.
 */
export class PlanInterner {
  private readonly plans = new Map<string, StreamPlan>();

  intern(plan: StreamPlan): StreamPlan {
    let key = `${plan.bucketMs}|${plan.firstStage}`;
    for (const s of plan.stages) key += `|${s.key},${s.from},${s.to},${s.outOfReach},${s.outOfReachFrom}`;
    const shared = this.plans.get(key);
    if (shared) return shared;
    this.plans.set(key, plan);
    return plan;
  }
}

/**
 * The plan's buckets, oldest first, each once with every stage it satisfies; built as consumed.
 * With `startFrom`/`startBefore`, only the buckets whose start lies in that range.
 */
export function* iterateTasks(
  plan: Pick<StreamPlan, "stages" | "bucketMs" | "firstStage">,
  startFrom = Number.NEGATIVE_INFINITY,
  startBefore = Number.POSITIVE_INFINITY,
): Generator<BucketTask> {
  const { bucketMs, stages } = plan;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const s of stages) {
    if (s.from + bucketMs > s.to) continue;
    from = Math.min(from, s.from);
    to = Math.max(to, s.to);
  }
  if (startFrom > from) from += Math.ceil((startFrom - from) / bucketMs) * bucketMs;
  for (let start = from; start + bucketMs <= to && start < startBefore; start += bucketMs) {
    const keys = stages.filter((s) => start >= s.from && start + bucketMs <= s.to).map((s) => s.key);
    if (keys.length === 0) continue;
    yield { start, end: start + bucketMs, stages: keys, firstRead: keys.includes(plan.firstStage) };
  }
}

/** Per plan object: streams share plans (PlanInterner), and a run counts every stream's tasks. */
const taskCounts = new WeakMap<object, number>();

/** How many buckets the plan reads, without building them. */
export function taskCount(plan: Pick<StreamPlan, "stages" | "bucketMs" | "firstStage">): number {
  let n = taskCounts.get(plan);
  if (n === undefined) {
    n = 0;
    for (const _ of iterateTasks(plan)) n += 1;
    taskCounts.set(plan, n);
  }
  return n;
}

/**
 * Which buckets of one stream to read now. `reachStart` is the oldest bucket start that can be
 * both fetched and submitted; due buckets older than that are counted, never silently dropped.
 */
export function planStream(watermarks: Watermarks, schedule: Schedule, now: number, reachStart: number): StreamPlan {
  const { bucketMs } = schedule;
  const stages: StagePlan[] = [];
  const reach = alignUp(reachStart, bucketMs);
  for (const stage of stagesOf(schedule)) {
    const mark = watermarks[stage.key];
    if (mark === undefined) throw new Error(`watermark for stage ${stage.key} missing; reconcile first`);
    // The newest bucket due for this stage ends at least `ageMs` before now.
    const to = Math.max(mark, alignDown(now - stage.ageMs, bucketMs));
    const from = Math.min(Math.max(mark, reach), to);
    stages.push({ key: stage.key, from, to, outOfReach: (from - mark) / bucketMs, outOfReachFrom: mark });
  }
  return streamPlan(stages, bucketMs);
}

/**
 * New watermarks after a run: each stage advances over its leading run of buckets that succeeded
 * (out-of-reach ones were reported and count as done); the first failure holds it for the next run.
 */
export function advanceWatermarks(plan: StreamPlan, succeeded: { has(start: number): boolean }): Watermarks {
  const result: Watermarks = {};
  for (const stage of plan.stages) {
    let mark = stage.from;
    while (mark + plan.bucketMs <= stage.to && succeeded.has(mark)) mark += plan.bucketMs;
    result[stage.key] = mark;
  }
  return result;
}
