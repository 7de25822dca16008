// What every run needs around its jobs: the Segment clients on one shared budget, one stop signal that
// fires on --max-duration, SIGINT/SIGTERM or a lost lock, and, for runs that send, the state file (and
// its lock) and the sink. `check` uses the Segment part alone.
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import { backendOf, sinkAge } from "../config/sink.js";
import type { CommonConfig, WorkspaceSettings } from "../config/types.js";
import { deadline, stopReason } from "../deadline.js";
import { PartialFailureError, UsageError } from "../errors.js";
import { DISCOVERY_ENDPOINTS, RateBudget } from "../segment/budget.js";
import { SegmentHttp } from "../segment/http.js";
import { decorate } from "../sinks/decorate.js";
import { NdjsonSink } from "../sinks/ndjson/sink.js";
import type { Sink } from "../sinks/types.js";
import { acquireLock, type Lock } from "../state/lock.js";
import { assertStateWritable, loadState, type State, saveState, stateDigest } from "../state/store.js";
import { STREAM_KINDS } from "../streams/registry.js";
import type { StreamKind } from "../streams/types.js";
import { formatDuration } from "../time.js";

export interface RunDeps {
  /** The clock plans are made with; tests inject one. */
  now: () => number;
  logger: Logger;
  /** Where `--dry-run` and `--json` write. */
  stdout: (text: string) => void;
  /** Aborted by SIGINT/SIGTERM (the CLI wires it). */
  signal?: AbortSignal;
  /** Lock staleness; tests shorten it. */
  lockStaleMs?: number;
  /** A sink to use instead of the configured backend (embedding, tests of the Sink contract). */
  sink?: Sink;
  /** The stream kinds to read (default STREAM_KINDS; tests register their own). */
  kinds?: readonly StreamKind[];
  /** Points per submission; tests shrink it to exercise batching and backpressure. */
  batchPoints?: number;
  /** How many buckets the run plans to read (for a progress bar), once planned. */
  onPlanned?: (buckets: number) => void;
  /** Buckets done since the last call. */
  onProgress?: (buckets: number) => void;
}

export interface SegmentSession {
  /** A Segment client for one workspace, on the run's shared budget and stop signal. */
  segment(settings: WorkspaceSettings): SegmentHttp;
  stop: AbortSignal;
  /** When the run stops (epoch ms), if it has a deadline: a wait a server asks for past it is not waited. */
  deadlineAt: number | undefined;
  /** `endpoint status` → count, for the self-metrics. */
  segmentCalls: Map<string, number>;
  /** Why the run was stopped (signal, --max-duration, lost lock), if it was. */
  stoppedReason(): string | undefined;
  /** Segment answers of the run, all endpoints and statuses. */
  segmentCallCount(): number;
  elapsedMs(): number;
  close(): Promise<void>;
}

export interface Session extends SegmentSession {
  /** Where points go: the configured backend, or stdout for `--dry-run`. */
  sink: Sink;
  state: State;
  kinds: readonly StreamKind[];
  checkpoint(): Promise<void>;
  /**
   * A sink of the run's backend for the run's own health series, on a short timeout and without
   * the run's stop signal (the run may have been stopped by its deadline); undefined in a dry run.
   */
  openHealthSink(retries: number): Promise<Sink | undefined>;
}

/** The embedder's sink, for the health series: the embedder closes it, not the run. */
function borrowed(sink: Sink): Sink {
  return decorate(sink, { close: async () => {} });
}

/** `--rate-limit` names must be endpoints the run reads (the kinds declare theirs). */
function checkRateLimits(config: CommonConfig, kinds: readonly StreamKind[]): void {
  const known = [...new Set([...DISCOVERY_ENDPOINTS, ...kinds.flatMap((k) => k.endpoints)])];
  const unknown = Object.keys(config.rateLimits).find((name) => !known.includes(name));
  if (unknown !== undefined) {
    throw new UsageError(
      `${config.rateLimitsFrom ?? "--rate-limit"}: '${unknown}' is not an endpoint the exporter reads; use one of ${known.join(", ")}, e.g. delivery-metrics=300`,
    );
  }
}

export function openSegment(
  config: CommonConfig,
  deps: Pick<RunDeps, "logger" | "signal">,
  options: { maxDurationMs?: number | undefined; signals?: ReadonlyArray<AbortSignal | undefined> } = {},
): SegmentSession {
  const started = performance.now();
  const { maxDurationMs } = options;
  // Keep a little of the budget to write the checkpoint after in-flight requests are aborted.
  const stopAfterMs = maxDurationMs ? Math.max(1, maxDurationMs - Math.min(2_000, maxDurationMs / 10)) : undefined;
  // Held by a timer, not by AbortSignal.timeout inside AbortSignal.any (see deadline.ts).
  const run = deadline(
    stopAfterMs,
    [deps.signal, ...(options.signals ?? [])],
    () => new Error(`--max-duration ${formatDuration(maxDurationMs ?? 0)} reached`),
  );
  const stop = run.signal;
  // Every request in flight listens to it (deadline, retries, waits): many listeners are expected,
  // and Node's leak warning at 11 would otherwise print on stderr mid-run.
  setMaxListeners(0, stop);
  const deadlineAt = stopAfterMs === undefined ? undefined : Date.now() + stopAfterMs;
  const segmentCalls = new Map<string, number>();
  const budget = new RateBudget({ perMinute: config.rateLimits, concurrency: config.concurrency });
  const clients: SegmentHttp[] = [];
  return {
    segment: (settings) => {
      const http = new SegmentHttp({
        budget,
        baseUrl: settings.apiUrl,
        token: settings.token,
        logger: deps.logger,
        timeoutMs: config.requestTimeoutMs,
        connections: config.concurrency,
        signal: stop,
        deadlineAt,
        onCall: (endpoint, status) => {
          const key = `${endpoint} ${status}`;
          segmentCalls.set(key, (segmentCalls.get(key) ?? 0) + 1);
        },
      });
      clients.push(http);
      return http;
    },
    stop,
    deadlineAt,
    segmentCalls,
    stoppedReason: () => (stop.aborted ? stopReason(stop) : undefined),
    segmentCallCount: () => [...segmentCalls.values()].reduce((a, b) => a + b, 0),
    elapsedMs: () => Math.round(performance.now() - started),
    close: async () => {
      run.dispose();
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

export async function openSession(
  config: CommonConfig & { maxDurationMs?: number | undefined; schedule: { bucketMs: number; historical: boolean } },
  deps: RunDeps,
): Promise<Session> {
  const { bucketMs, historical } = config.schedule;
  const kinds = deps.kinds ?? STREAM_KINDS;
  // Everything that can be exit 2 is checked before the lock and before any request.
  checkRateLimits(config, kinds);
  if (!config.dryRun) await assertStateWritable(config.statePath);
  let lock: Lock | undefined;
  if (!config.dryRun) lock = await acquireLock(config.statePath, deps.lockStaleMs);
  let segment: SegmentSession | undefined;
  try {
    // Read the state only under the lock: another run may just have written it.
    const state = await loadState(config.statePath, bucketMs, config.sink.name);
    segment = openSegment(config, deps, { maxDurationMs: config.maxDurationMs, signals: [lock?.lost] });
    const { stop } = segment;
    let lastSaved = stateDigest(state);
    const { backend, open: openBackend } = backendOf(config.sink);
    const open = (signal: AbortSignal | undefined, timeoutMs: number, retries?: number) =>
      openBackend?.({
        logger: deps.logger,
        timeoutMs,
        signal,
        // The health series are sent after the run's deadline: they get no deadline of their own.
        deadlineAt: signal ? segment?.deadlineAt : undefined,
        historical,
        ...(retries !== undefined ? { retries } : {}),
      });
    const sink: Sink =
      deps.sink ??
      (config.dryRun || !openBackend
        ? new NdjsonSink(deps.stdout, backend, sinkAge(config.sink, historical))
        : ((await open(stop, config.requestTimeoutMs)) as Sink));
    const segmentPart = segment;
    return {
      ...segmentPart,
      sink,
      state,
      kinds,
      openHealthSink: async (retries) =>
        config.dryRun ? undefined : deps.sink ? borrowed(deps.sink) : open(undefined, 3_000, retries),
      checkpoint: async () => {
        if (config.dryRun) return;
        // A lost lock may already belong to another run: its state must not be overwritten.
        if (lock?.lost.aborted)
          throw new PartialFailureError(`lost the lock on ${config.statePath}; stopped without writing the state`);
        // Nothing moved (nothing due, or everything failed): leave the file as it is.
        const digest = stateDigest(state);
        if (digest === lastSaved) return;
        await saveState(config.statePath, state);
        lastSaved = digest;
      },
      close: async () => {
        await segmentPart.close();
        await sink.close();
        await lock?.release();
      },
    };
  } catch (error) {
    await segment?.close();
    await lock?.release();
    throw error;
  }
}
