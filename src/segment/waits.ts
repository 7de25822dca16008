// Every wait a server can ask for is bounded (design §5, "a run always ends by itself"): no single
// wait is longer than 5 minutes, and a wait that would end past the run's deadline is not waited at
// all: the job fails at once and stays pending for the next run, which keeps the lock free for it.
import { UpstreamError } from "../errors.js";

/** Design §5: no single wait is longer than 5 minutes, whatever the server asks. */
export const MAX_WAIT_MS = 5 * 60_000;

/**
 * How long to wait when a server asks for `ms`: at most MAX_WAIT_MS, and not at all when the wait
 * would end past the run's deadline (the job fails now and stays pending for the next run).
 */
export function boundedWait(ms: number, deadlineAt: number | undefined, label: string, now = Date.now()): number {
  if (deadlineAt !== undefined && now + Math.min(ms, MAX_WAIT_MS) > deadlineAt) {
    throw new UpstreamError(
      `${label}: the server asked to wait ${Math.ceil(ms / 1000)} s, past the run's deadline; left pending for the next run`,
      { retryable: false },
    );
  }
  return Math.min(ms, MAX_WAIT_MS);
}
