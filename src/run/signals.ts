// SIGINT/SIGTERM stop a run cleanly: nothing new starts, in-flight requests are aborted, what was
// accepted is checkpointed, and the run exits 4 (work remains). A second signal exits 4 at once:
// the state file is only ever replaced atomically, so stopping mid-run loses nothing that was
// checkpointed, and what was not stays pending (design §5: 4 = partial, work remains).
import { ExitCode } from "../errors.js";

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
    if (received) {
      process.stderr.write(
        `segment-datadog-exporter: stopped at once by a second ${signal}; unfinished buckets stay pending\n`,
      );
      process.exit(ExitCode.partial);
    }
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
