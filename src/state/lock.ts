// One run per state file. proper-lockfile keeps a `<state>.lock` directory whose mtime the holder
// refreshes; a lock whose mtime is older than `staleMs` belongs to a run that died (SIGKILL, OOM,
// reboot) and is taken over. We use it rather than a pid file: pids are reused, and it is atomic
// (mkdir) on every local file system.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import lockfile from "proper-lockfile";
import { LockedError } from "../errors.js";

/** Design §5: a lock whose holder died is taken over by a run started a minute later or more. */
export const DEFAULT_LOCK_STALE_MS = 45_000;

export interface Lock {
  release(): Promise<void>;
  /** Aborted if the lock was lost (its directory removed or not refreshed in time). */
  lost: AbortSignal;
}

export async function acquireLock(statePath: string, staleMs = DEFAULT_LOCK_STALE_MS): Promise<Lock> {
  await mkdir(dirname(statePath), { recursive: true, mode: 0o700 });
  const lost = new AbortController();
  try {
    const release = await lockfile.lock(statePath, {
      realpath: false,
      stale: staleMs,
      update: Math.max(1_000, Math.floor(staleMs / 3)),
      retries: 0,
      lockfilePath: `${statePath}.lock`,
      onCompromised: (error) => lost.abort(error),
    });
    return {
      lost: lost.signal,
      release: async () => {
        try {
          await release();
        } catch {
          // Already released or compromised: nothing left to clean up.
        }
      },
    };
  } catch (error) {
    if ((error as { code?: string }).code === "ELOCKED") {
      throw new LockedError(
        `another export or backfill holds the lock ${statePath}.lock; nothing was done (a lock left by a run that died is taken over after ${Math.round(staleMs / 1000)}s)`,
      );
    }
    throw error;
  }
}
