// SIGINT/SIGTERM stop a run cleanly: nothing new starts, in-flight requests are aborted, what was
// accepted is checkpointed, and the run exits 4 (work remains). A second signal exits at once.
export interface StopHandle {
  signal: AbortSignal;
  /** Which signal stopped the run, if one did. */
  reason(): NodeJS.Signals | undefined;
  dispose(): void;
}

export function stopOnSignals(): StopHandle {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) process.exit(130);
    received = signal;
    controller.abort(new Error(`stopped by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    reason: () => received,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
