// One run per state file. proper-lockfile keeps a `<state>.lock` directory whose mtime the holder
// refreshes every second; a lock whose mtime is older than `staleMs` belongs to a run that died
// (SIGKILL, OOM, reboot) and is taken over. We use it rather than a hand-rolled pid file: pids are
// reused, and mkdir is atomic on every local file system.
//
// Beside it, `<state>.lock.owner` names the holder (host, pid). It is advisory only: when it names
// a process of this host that no longer exists, the staleness shrinks to proper-lockfile's minimum
// (2 s), so rerunning a killed backfill works at once instead of after 45 s. A takeover still goes
// through proper-lockfile's mtime check, and a live holder refreshes the mtime every second, so a
// wrong or outdated owner file can never take a live lock.
import { lstat, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import lockfile from "proper-lockfile";
import { LockedError, UsageError } from "../errors.js";

/** Design §5: a lock whose holder died is taken over by a run started a minute later or more. */
export const DEFAULT_LOCK_STALE_MS = 45_000;
/** proper-lockfile's smallest staleness. */
const MIN_STALE_MS = 2_000;

export interface Lock {
  release(): Promise<void>;
  /** Aborted if the lock was lost (its directory removed or not refreshed in time). */
  lost: AbortSignal;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

async function holderIsDeadHere(ownerPath: string): Promise<boolean> {
  try {
    const owner = JSON.parse(await readFile(ownerPath, "utf8")) as { host?: unknown; pid?: unknown };
    return (
      owner.host === hostname() && typeof owner.pid === "number" && owner.pid !== process.pid && !isAlive(owner.pid)
    );
  } catch {
    return false;
  }
}

async function tryLock(statePath: string, staleMs: number, lost: AbortController) {
  return lockfile.lock(statePath, {
    realpath: false,
    stale: staleMs,
    update: 1_000,
    retries: 0,
    lockfilePath: `${statePath}.lock`,
    onCompromised: (error) => lost.abort(error),
  });
}

export async function acquireLock(statePath: string, staleMs = DEFAULT_LOCK_STALE_MS): Promise<Lock> {
  try {
    return await acquire(statePath, staleMs);
  } catch (error) {
    if (error instanceof LockedError) throw error;
    // A full disk (ENOSPC), a read-only or vanished folder: nothing was sent yet, so exit 2 with the fix.
    const code = (error as { code?: string }).code ?? "error";
    throw new UsageError(
      `--state: cannot take the lock ${statePath}.lock (${code}${code === "ENOSPC" ? ": the disk is full" : ""}); free space or fix the folder's permissions, or choose another --state file`,
    );
  }
}

/**
 * proper-lockfile's lock is a directory. Anything else at that path (a regular file left by hand or
 * another tool) is not a lock of ours: once older than the staleness it is removed, as a dead
 * holder's lock would be; younger, it counts as held (exit 6) in case something is using it.
 */
async function clearForeignLock(lockPath: string, staleMs: number): Promise<void> {
  const found = await lstat(lockPath).catch(() => undefined);
  if (!found || found.isDirectory()) return;
  if (Date.now() - found.mtimeMs < staleMs) {
    const error = new Error("a non-directory lock is fresh") as Error & { code: string };
    error.code = "ELOCKED";
    throw error;
  }
  await rm(lockPath, { force: true });
}

async function acquire(statePath: string, staleMs: number): Promise<Lock> {
  await mkdir(dirname(statePath), { recursive: true, mode: 0o700 });
  const lockPath = `${statePath}.lock`;
  const ownerPath = `${lockPath}.owner`;
  const lost = new AbortController();
  let release: () => Promise<void>;
  try {
    await clearForeignLock(lockPath, staleMs);
    release = await tryLock(statePath, staleMs, lost);
  } catch (error) {
    if ((error as { code?: string }).code !== "ELOCKED") throw error;
    if (!(await holderIsDeadHere(ownerPath))) throw locked(statePath, staleMs);
    // The holder died on this host: wait until its last refresh is older than the minimum
    // staleness, then let proper-lockfile take the lock over.
    const age = await stat(lockPath).then(
      (s) => Date.now() - s.mtimeMs,
      () => MIN_STALE_MS,
    );
    if (age < MIN_STALE_MS + 100) await new Promise((r) => setTimeout(r, MIN_STALE_MS + 100 - age));
    try {
      release = await tryLock(statePath, MIN_STALE_MS, lost);
    } catch (retryError) {
      if ((retryError as { code?: string }).code === "ELOCKED") throw locked(statePath, staleMs);
      throw retryError;
    }
  }
  try {
    await writeFile(
      ownerPath,
      JSON.stringify({ host: hostname(), pid: process.pid, since: new Date().toISOString() }),
      {
        mode: 0o600,
      },
    );
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
  return {
    lost: lost.signal,
    release: async () => {
      await rm(ownerPath, { force: true });
      try {
        await release();
      } catch {
        // Already released or compromised: nothing left to clean up.
      }
    },
  };
}

function locked(statePath: string, staleMs: number): LockedError {
  return new LockedError(
    `another export or backfill holds the lock ${statePath}.lock; nothing was done (a lock left by a run that died is taken over after ${Math.round(Math.max(staleMs, MIN_STALE_MS) / 1000)}s)`,
  );
}
