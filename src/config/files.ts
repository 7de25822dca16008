// Reading a file the user named (a secret, the config file) without hanging or exhausting memory:
// only regular files are opened (a FIFO with no writer would block forever, /dev/zero never ends),
// and only up to a size that such a file can reasonably have.
import { accessSync, closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { UsageError } from "../errors.js";

export interface FileRef {
  path: string;
  /** The setting that named it, for messages. */
  from: string;
  /** What the file is, e.g. "secret file", "config file". */
  what: string;
  /** Printable in messages? A path that looks like a secret is not echoed. */
  shown: string;
}

/**
 * Reads `ref.path` as UTF-8 when it is a regular file of at most `maxBytes`; exit 2 otherwise.
 * O_NONBLOCK makes opening a FIFO return at once, so fstat can refuse it instead of blocking.
 */
export function readBoundedFile(ref: FileRef, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(ref.path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "error";
    throw new UsageError(`${ref.from}: cannot read ${ref.shown} (${code}); check the path and its permissions`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new UsageError(
        `${ref.from}: ${ref.shown} is not a regular file (a ${kindOf(stat)}); point it at a plain ${ref.what}`,
      );
    }
    if (stat.size > maxBytes) {
      throw new UsageError(
        `${ref.from}: ${ref.shown} is ${stat.size} bytes, more than a ${ref.what} can be (${maxBytes} at most); check the path`,
      );
    }
    // Read one byte more than allowed: a file that grew since fstat is still caught.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) {
        throw new UsageError(
          `${ref.from}: ${ref.shown} is larger than a ${ref.what} can be (${maxBytes} bytes at most)`,
        );
      }
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: ReturnType<typeof fstatSync>): string {
  if (stat.isDirectory()) return "folder";
  if (stat.isFIFO()) return "named pipe";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "device";
  if (stat.isSocket()) return "socket";
  return "special file";
}

/**
 * Whether a value typed where a *name* goes (a variable name, a file path) looks like a secret that
 * was pasted there by mistake: Segment tokens (`sgp_…`), Datadog keys (32 or 40 hex digits), or any
 * long run of mixed letters and digits. Such a value is never echoed in a message.
 */
export function looksLikeSecret(value: string): boolean {
  const v = value.trim();
  if (/^sgp_/i.test(v)) return true;
  if (/^[0-9a-f]{32}$/i.test(v) || /^[0-9a-f]{40}$/i.test(v)) return true;
  // Paths have separators; variable names are words. A 24+ character run without either that mixes
  // lowercase letters and digits is what generated keys look like.
  return !/[/\\.]/.test(v) && v.length >= 24 && /[a-z]/.test(v) && /\d/.test(v) && !/_[A-Z]|^[A-Z0-9_]+$/.test(v);
}

/** How to name a value in a message: itself, or a placeholder when it looks like a secret. */
export function shownName(value: string): string {
  return looksLikeSecret(value) ? "(a value that looks like a secret, not shown)" : value;
}

/** A variable *name* setting (`tokenEnv`, `apiKeyEnv`) whose value is the secret itself: exit 2, not echoed. */
export function assertVariableName(name: string, from: string): void {
  if (looksLikeSecret(name)) {
    throw new UsageError(
      `${from}: the value looks like a secret itself, not the name of an environment variable (not shown); put the secret in a variable such as SEGMENT_TOKEN_PROD and write that name here`,
    );
  }
}

/**
 * An output file (`--junit`) is checked before any request: an existing one must be a writable
 * regular file, a new one needs a writable folder. Failing after the whole check ran wastes it.
 */
export function assertWritableFile(path: string, from: string): void {
  try {
    const found = statSync(path, { throwIfNoEntry: false });
    if (found) {
      if (!found.isFile())
        throw Object.assign(new Error("not a file"), { code: found.isDirectory() ? "EISDIR" : "ENOTFILE" });
      accessSync(path, constants.W_OK);
    } else accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "error";
    throw new UsageError(`${from}: cannot write ${path} (${code}); choose a file in an existing, writable folder`);
  }
}
