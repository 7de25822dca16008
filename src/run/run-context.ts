// What export and backfill build the same way from their config and session: the kinds' options, the
// sink's reach, the sink check before Segment is read, and the pipeline's options.

import type { Logger } from "pino";
import { backendOf } from "../config/sink.js";
import type { CommonConfig, RunOptions } from "../config/types.js";
import { PartialFailureError, UpstreamError } from "../errors.js";
import { bucketSeries } from "../streams/series.js";
import type { KindOptions } from "../streams/types.js";
import type { PipelineOptions } from "./pipeline.js";
import type { PlanContext } from "./plan.js";
import type { RunDeps, Session } from "./session.js";

export function kindOptions(config: CommonConfig & RunOptions & { schedule: { bucketMs: number } }): KindOptions {
  return {
    prefix: config.prefix,
    bucketMs: config.schedule.bucketMs,
    eventsGroupBy: config.eventsGroupBy,
    errorDetails: config.errorDetails,
    pipeline: config.pipeline,
    eventVolume: config.eventVolume,
    usage: config.usage,
  };
}

/** What planning needs beside the stored progress: the kinds, their options, the shard and the sink's reach. */
export function planContext(
  session: Session,
  config: CommonConfig,
  options: KindOptions,
  now: number,
  logger: Logger,
): PlanContext {
  return {
    kinds: session.kinds,
    options,
    shard: config.shard,
    now,
    sink: {
      oldestMs: session.sink.oldestAcceptedMs(now),
      label: session.sink.label,
      advice: backendOf(config.sink).backend.ageAdvice,
    },
    logger,
  };
}

/**
 * The sink's one check before the run reads Segment (its key; Datadog's historical ingestion): a
 * sink that cannot be reached fails the run at once (exit 4, nothing read, nothing lost), with the
 * host and the setting it came from in the message (issue #22).
 */
export async function verifySink(session: Session, options: KindOptions): Promise<void> {
  try {
    await session.sink.verify({ bucketSeries: bucketSeries(session.kinds, options) });
  } catch (error) {
    if (error instanceof UpstreamError) {
      throw new PartialFailureError(`${error.message}; nothing was read or sent, the next run tries again`);
    }
    const stopped = session.stoppedReason();
    if (stopped !== undefined) {
      throw new PartialFailureError(
        `${session.sink.label} did not answer its key check before the run was stopped (${stopped}); nothing was read or sent, the next run tries again`,
      );
    }
    throw error;
  }
}

export function pipelineOptions(
  session: Session,
  config: CommonConfig,
  deps: RunDeps,
  options: KindOptions,
  extra: Partial<PipelineOptions> = {},
): PipelineOptions {
  const warned = new Set<string>();
  return {
    sink: session.sink,
    read: {
      options,
      clock: deps.now,
      logger: deps.logger,
      warnOnce: (key, message) => {
        if (warned.has(key)) return;
        warned.add(key);
        deps.logger.warn(message);
      },
    },
    logger: deps.logger,
    concurrency: config.concurrency,
    stop: session.stop,
    checkpoint: session.checkpoint,
    ...(deps.batchPoints !== undefined ? { batchPoints: deps.batchPoints } : {}),
    ...extra,
  };
}
