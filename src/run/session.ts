// What every run needs around its jobs: the state file (and its lock), the Segment client, the
// sink, and one stop signal that fires on --max-duration, SIGINT/SIGTERM or a lost lock.
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import type { CommonConfig, WorkspaceSettings } from "../config/types.js";
import { DatadogSink, datadogOldestAccepted } from "../datadog/sink.js";
import { deadline, stopReason } from "../deadline.js";
import { PartialFailureError } from "../errors.js";
import { NdjsonSink } from "../ndjson/sink.js";
import { RateBudget } from "../segment/budget.js";
import { SegmentHttp } from "../segment/http.js";
import type { Sink } from "../sink.js";
import { acquireLock, type Lock } from "../state/lock.js";
import { assertStateWritable, loadState, type State, saveState } from "../state/store.js";
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
  /** A sink to use instead of Datadog or stdout (embedding, tests of the Sink contract). */
  sink?: Sink;
  /** Points per submission; tests shrink it to exercise batching and backpressure. */
  batchPoints?: number;
}

export interface Session {
  /** A Segment client for one workspace, on the run's shared budget and stop signal. */
  segment(settings: WorkspaceSettings): SegmentHttp;
  /** Where points go: Datadog, or stdout for `--dry-run`. */
  sink: Sink;
  /** The Datadog sink when the run submits there (for the --historical check). */
  datadog: DatadogSink | undefined;
  state: State;
  stop: AbortSignal;
  /** `endpoint status` → count, for the self-metrics. */
  segmentCalls: Map<string, number>;
  started: number;
  /** Why the run was stopped (signal, --max-duration, lost lock), if it was. */
  stoppedReason(): string | undefined;
  /** Segment answers of the run, all endpoints and statuses. */
  segmentCallCount(): number;
  elapsedMs(): number;
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The run's sink: one line per kind of destination. Dry runs print what the Datadog sink would be
 * sent, planned against the same window.
 */
function openSink(
  config: CommonConfig,
  historical: boolean,
  deps: RunDeps,
  stop: AbortSignal,
): { sink: Sink; datadog: DatadogSink | undefined } {
  if (deps.sink) return { sink: deps.sink, datadog: undefined };
  if (config.dryRun || !config.datadog) {
    const oldest = (now: number) => datadogOldestAccepted(now, historical);
    return { sink: new NdjsonSink(deps.stdout, oldest), datadog: undefined };
  }
  const datadog = new DatadogSink({
    ...config.datadog,
    historical,
    logger: deps.logger,
    timeoutMs: config.requestTimeoutMs,
    signal: stop,
  });
  return { sink: datadog, datadog };
}

export async function openSession(
  config: CommonConfig & { maxDurationMs?: number | undefined; schedule: { bucketMs: number; historical: boolean } },
  deps: RunDeps,
): Promise<Session> {
  const { bucketMs } = config.schedule;
  const started = performance.now();
  // Everything that can be exit 2 is checked before the lock and before any request.
  if (!config.dryRun) await assertStateWritable(config.statePath);
  let lock: Lock | undefined;
  if (!config.dryRun) lock = await acquireLock(config.statePath, deps.lockStaleMs);
  try {
    // Read the state only under the lock: another run may just have written it.
    const state = await loadState(config.statePath, bucketMs);
    // Keep a little of the budget to write the checkpoint after in-flight requests are aborted.
    const stopAfterMs = config.maxDurationMs
      ? Math.max(1, config.maxDurationMs - Math.min(2_000, config.maxDurationMs / 10))
      : undefined;
    // Held by a timer, not by AbortSignal.timeout inside AbortSignal.any (see deadline.ts).
    const run = deadline(
      stopAfterMs,
      [deps.signal, lock?.lost],
      () => new Error(`--max-duration ${formatDuration(config.maxDurationMs ?? 0)} reached`),
    );
    const stop = run.signal;
    // Every request in flight listens to it (deadline, retries, waits): many listeners are expected,
    // and Node's leak warning at 11 would otherwise print on stderr mid-run.
    setMaxListeners(0, stop);
    const deadlineAt = stopAfterMs === undefined ? undefined : Date.now() + stopAfterMs;
    let lastSaved = JSON.stringify({ ...state, updatedAt: undefined });
    const segmentCalls = new Map<string, number>();
    const budget = new RateBudget({ perMinute: config.rateLimits, concurrency: config.concurrency });
    const clients: SegmentHttp[] = [];
    const segment = (settings: WorkspaceSettings) => {
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
    };
    const { sink, datadog } = openSink(config, config.schedule.historical, deps, stop);
    return {
      segment,
      sink,
      datadog,
      state,
      stop,
      segmentCalls,
      started,
      stoppedReason: () => (stop.aborted ? stopReason(stop) : undefined),
      segmentCallCount: () => [...segmentCalls.values()].reduce((a, b) => a + b, 0),
      elapsedMs: () => Math.round(performance.now() - started),
      checkpoint: async () => {
        if (config.dryRun) return;
        // A lost lock may already belong to another run: its state must not be overwritten.
        if (lock?.lost.aborted)
          throw new PartialFailureError(`lost the lock on ${config.statePath}; stopped without writing the state`);
        // Nothing moved (nothing due, or everything failed): leave the file as it is.
        const content = JSON.stringify({ ...state, updatedAt: undefined });
        if (content === lastSaved) return;
        await saveState(config.statePath, state);
        lastSaved = content;
      },
      close: async () => {
        run.dispose();
        await Promise.all(clients.map((c) => c.close()));
        await sink.close();
        await lock?.release();
      },
    };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}
