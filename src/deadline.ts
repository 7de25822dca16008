// Deadlines that hold by construction. `AbortSignal.timeout()` referenced only from inside
// `AbortSignal.any()` can be garbage-collected on Node 20 and then never fires, so a request to a
// server that never answers hangs forever (and a hung cron run holds the lock). Here a plain timer
// owns the controller: as long as the timer is pending, the signal is reachable and fires.
// Callers dispose the deadline when the guarded work ends, which clears the timer and listeners.

/** Node's timers hold at most 2^31-1 ms (~24.8 days); longer values fire at once with a warning. */
export const MAX_TIMER_MS = 2_147_483_647;

export interface Deadline {
  signal: AbortSignal;
  /** Clears the timer and detaches from the parents; the signal stays as it is. */
  dispose(): void;
}

/**
 * A signal that aborts after `ms` (with a `TimeoutError`), or as soon as any parent aborts (with the
 * parent's reason). `ms` undefined: only the parents.
 */
export function deadline(
  ms: number | undefined,
  parents: ReadonlyArray<AbortSignal | undefined> = [],
  timeoutReason: () => Error = () => new DOMException(`timed out after ${ms} ms`, "TimeoutError"),
): Deadline {
  const controller = new AbortController();
  const live = parents.filter((p): p is AbortSignal => p !== undefined);
  const aborted = live.find((p) => p.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose: () => {} };
  }
  let timer: NodeJS.Timeout | undefined;
  const detach: Array<() => void> = [];
  const dispose = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const off of detach.splice(0)) off();
  };
  for (const parent of live) {
    const onAbort = () => {
      dispose();
      controller.abort(parent.reason);
    };
    parent.addEventListener("abort", onAbort, { once: true });
    detach.push(() => parent.removeEventListener("abort", onAbort));
  }
  if (ms !== undefined) {
    timer = setTimeout(
      () => {
        dispose();
        controller.abort(timeoutReason());
      },
      Math.max(0, Math.min(ms, MAX_TIMER_MS)),
    );
  }
  return { signal: controller.signal, dispose };
}

/** What stopped a signal, for messages: its reason's message, or a plain default. */
export function stopReason(signal: AbortSignal): string {
  const reason = signal.reason as { message?: unknown } | undefined;
  return typeof reason?.message === "string" ? reason.message : "the run was stopped";
}
