// The plan of a run as one value (design §3): per workspace, its streams (one per connection, source,
// workspace or day, as the enabled kinds' scopes require), each with its read plan and the kinds that
// are its parts, and the buckets found out of reach. `export` and `backfill` differ only in how a
// stream's plan comes from stored progress (`StreamPlanner`). Jobs are derived lazily from the plan,
// oldest slab first, with no state per stream beyond the plan itself.
import type { Logger } from "pino";
import type { Shard } from "../domain.js";
import { PlanInterner, type StreamPlan, type Watermarks } from "../plan/schedule.js";
import type { Job, KindOptions, StreamKind, StreamRef } from "../streams/types.js";
import { MINUTE } from "../units.js";
import { SCOPES, type ScopeSpec, stateIds } from "./scopes.js";
import type { WorkspaceRun } from "./workspace.js";

export interface PlannedStream {
  readonly ref: StreamRef;
  readonly plan: StreamPlan;
  /** The kinds whose parts make one of its buckets: a bucket is done when all of them were accepted. */
  readonly kinds: readonly StreamKind[];
  /** Stores the stream's new watermarks into the state object (the caller writes the file). */
  save(marks: Watermarks): void;
  /** Whether its buckets count in the summary (usage is a daily reading, not a bucket). */
  readonly counted: boolean;
  /** The summary's word for its buckets. */
  readonly noun: string;
}

/**
 * A planned stream as the run holds it, one per connection and source for the whole run: what it
 * shares with every stream of its scope (the planner, the scope) is referenced, not copied into a
 * closure per stream (a closure and its context took ~110 bytes a stream).
 */
class Planned implements PlannedStream {
  constructor(
    private readonly ws: WorkspaceRun,
    readonly ref: StreamRef,
    readonly plan: StreamPlan,
    readonly kinds: readonly StreamKind[],
    private readonly spec: ScopeSpec,
    private readonly planner: StreamPlanner,
  ) {}

  get counted(): boolean {
    return this.spec.counted;
  }

  get noun(): string {
    return this.spec.noun;
  }

  save(marks: Watermarks): void {
    this.planner.save(this.ws, this.ref, this.spec, marks);
  }
}

export interface WorkspacePlan {
  ws: WorkspaceRun;
  streams: PlannedStream[];
  connections: number;
  sources: number;
  /** First reads that are out of reach (too old for Segment or the sink): reported, never silent. */
  missed: number;
  /** Re-reads out of reach: skipped (the bucket was exported at its first read). */
  rereadsSkipped: number;
}

/** How a run turns a stream's stored progress into a read plan (export: watermarks; backfill: its window). */
export interface StreamPlanner {
  plan(ws: WorkspaceRun, ref: StreamRef, scope: ScopeSpec, reach: number): StreamPlan | undefined;
  /** Stores a stream's new watermarks into the state object (the caller writes the file). */
  save(ws: WorkspaceRun, ref: StreamRef, scope: ScopeSpec, marks: Watermarks): void;
  /** Export forgets the stored state of streams that are gone; a backfill keeps it. */
  prunes: boolean;
}

export interface PlanContext {
  kinds: readonly StreamKind[];
  options: KindOptions;
  shard: Shard | undefined;
  now: number;
  /** The oldest timestamp the sink takes, at `now`, and its name for messages. */
  sink: { oldestMs: number; label: string; advice?: string | undefined };
  logger: Logger;
}

export function planWorkspace(ws: WorkspaceRun, ctx: PlanContext, planner: StreamPlanner): WorkspacePlan {
  const own: WorkspacePlan = { ws, streams: [], connections: 0, sources: 0, missed: 0, rereadsSkipped: 0 };
  const plans = new PlanInterner();
  const enabled = ctx.kinds.filter((k) => k.enabled(ctx.options) && (k.appliesTo?.(ws) ?? true));
  if (ws.discovery.active.length === 0) {
    ctx.logger.warn(
      { workspace: ws.slug },
      `workspace ${ws.slug} has no enabled source→destination connection; only its sources' series are exported`,
    );
  }
  for (const [scope, spec] of Object.entries(SCOPES) as Array<[keyof typeof SCOPES, ScopeSpec]>) {
    const kinds = enabled.filter((k) => k.scope === scope);
    const refs = kinds.length > 0 ? spec.streams(ws, ctx.shard) : [];
    if (scope === "connection") own.connections = refs.length;
    if (scope === "source") own.sources = refs.length;
    if (planner.prunes) {
      for (const id of spec.prune(ws, stateIds(refs))) {
        ctx.logger.info(
          { workspace: ws.slug, stream: id },
          `${spec.noun} gone, disabled, switched off or in another shard; dropped from state`,
        );
      }
    }
    if (kinds.length === 0) continue;
    // A stream reaches as far back as its most permissive part, and no further than the sink takes.
    const served = Math.min(...kinds.map((k) => k.oldestServed(ctx.options.bucketMs, ctx.now)));
    const reach = Math.max(served, ctx.sink.oldestMs);
    for (const ref of refs) {
      const planned = planner.plan(ws, ref, spec, reach);
      if (!planned) continue;
      const plan = plans.intern(planned);
      reportOutOfReach(own, ref, plan, reach === ctx.sink.oldestMs ? ctx.sink : undefined, ctx.logger);
      own.streams.push(new Planned(ws, ref, plan, kinds, spec, planner));
    }
  }
  return own;
}

function reportOutOfReach(
  own: WorkspacePlan,
  ref: StreamRef,
  plan: StreamPlan,
  sink: PlanContext["sink"] | undefined,
  logger: Logger,
): void {
  for (const stage of plan.stages) {
    if (stage.outOfReach === 0) continue;
    if (stage.key !== plan.firstStage) {
      own.rereadsSkipped += stage.outOfReach;
      continue;
    }
    own.missed += stage.outOfReach;
    const why = sink
      ? `older than ${sink.label} takes${sink.advice ? `; ${sink.advice} and run \`backfill\` to recover them` : ""}`
      : "older than Segment still serves";
    logger.warn(
      {
        workspace: own.ws.slug,
        stream: ref.label,
        missed: stage.outOfReach,
        from: new Date(stage.outOfReachFrom).toISOString(),
        to: new Date(stage.from).toISOString(),
      },
      `${stage.outOfReach} buckets of ${ref.label} in ${own.ws.slug} were never exported and are now out of reach: ${why}`,
    );
  }
}

/**
 * How finely jobs are ordered by time. Within one slab a stream's buckets come together, so its
 * points share series entries in a submission (fewer bytes, fewer requests); across slabs the oldest
 * come first, so they reach the sink before they age out of its window, and a deadline cuts the
 * newest work rather than whole streams.
 */
export const ORDER_SLAB_MS = 30 * MINUTE;

/** Per plan object: streams share plans (PlanInterner), and planning and progress both ask. */
const spans = new WeakMap<StreamPlan, { from: number; to: number } | undefined>();

/** The first bucket start a plan reads and the end of its last bucket, or undefined when it reads none. */
export function spanOf(plan: StreamPlan): { from: number; to: number } | undefined {
  if (spans.has(plan)) return spans.get(plan);
  let from: number | undefined;
  let to = 0;
  for (const s of plan.stages) {
    if (s.from + plan.bucketMs > s.to) continue;
    from = Math.min(from ?? s.from, s.from);
    to = Math.max(to, s.to);
  }
  const span = from === undefined ? undefined : { from, to };
  spans.set(plan, span);
  return span;
}

/**
 * The run's jobs, oldest slab first; within a slab, streams in plan order and each stream's kinds in
 * registry order. Nothing is held per stream between slabs: each slab asks every stream that reaches
 * into it for the jobs that start there.
 */
export function* planJobs(
  workspaces: readonly WorkspacePlan[],
  clock: () => number,
  slabMs = ORDER_SLAB_MS,
): Generator<Job> {
  const streams = workspaces.flatMap((w) => w.streams);
  const streamSpans = streams.map((s) => spanOf(s.plan));
  let slab = Number.POSITIVE_INFINITY;
  for (const span of streamSpans) if (span) slab = Math.min(slab, Math.floor(span.from / slabMs) * slabMs);
  while (Number.isFinite(slab)) {
    const slabTo = slab + slabMs;
    let next = Number.POSITIVE_INFINITY;
    for (const [i, stream] of streams.entries()) {
      const span = streamSpans[i];
      if (!span || span.to <= slab) continue;
      if (span.from >= slabTo) {
        next = Math.min(next, Math.floor(span.from / slabMs) * slabMs);
        continue;
      }
      next = Math.min(next, slabTo);
      for (const kind of stream.kinds) yield* kind.jobs(stream.ref, stream.plan, slab, slabTo, clock);
    }
    slab = next;
  }
}
