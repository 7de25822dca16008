// The checkpoint file: per stream, per stage, the end of the newest bucket the sink accepted.
// Written atomically (temp file, fsync, rename, fsync of the folder) with mode 0600, so a crash at
// any instant leaves either the old or the new file, never a torn one.
import { createHash, randomBytes } from "node:crypto";
import { access, constants, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { PartialFailureError, UsageError } from "../errors.js";
import type { Watermarks } from "../plan/schedule.js";
import { formatDuration } from "../time.js";

export const STATE_VERSION = 1;

const isoTime = z.iso.datetime({ offset: true });
const stagesSchema = z.record(z.string(), isoTime);

const workspaceStateSchema = z.object({
  slug: z.string(),
  delivery: z.record(z.string(), z.object({ stages: stagesSchema })).default({}),
  /** Per source id: the pipeline steps read per source (design §5, The pipeline). */
  sources: z.record(z.string(), z.object({ stages: stagesSchema })).optional(),
  events: z.object({ stages: stagesSchema }).optional(),
  usage: z.object({ lastDay: z.string() }).optional(),
});

/** An unfinished backfill: its window and, per `<workspace id>:<stream>`, the end of what is done. */
const backfillStateSchema = z.object({
  id: z.string(),
  from: isoTime,
  to: isoTime,
  streams: z.record(z.string(), isoTime).default({}),
});

const stateSchema = z.object({
  version: z.number().int(),
  bucket: z.string(),
  /** The `--sink` the file's progress was sent to; absent in files written before there was a choice: Datadog. */
  sink: z.string().optional(),
  updatedAt: isoTime.optional(),
  workspaces: z.record(z.string(), workspaceStateSchema).default({}),
  backfill: backfillStateSchema.optional(),
});

export type WorkspaceState = z.infer<typeof workspaceStateSchema>;
export type BackfillState = z.infer<typeof backfillStateSchema>;
export type State = z.infer<typeof stateSchema>;

export function emptyState(bucketMs: number, sink = DEFAULT_STATE_SINK): State {
  return { version: STATE_VERSION, bucket: formatDuration(bucketMs), sink, workspaces: dictionary() };
}

/** The sink of a state file that names none: it was written before `--sink` existed. */
export const DEFAULT_STATE_SINK = "datadog";

/**
 * Maps keyed by ids that come from the network (workspace ids, connection keys) have no prototype:
 * an id such as `__proto__` or `constructor` is then an ordinary key, not Object.prototype.
 */
export function dictionary<T>(entries: Record<string, T> = {}): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [key, value] of Object.entries(entries)) out[key] = value;
  return out;
}

export function toWatermarks(stages: Record<string, string> | undefined): Watermarks | undefined {
  if (!stages) return undefined;
  return Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Date.parse(v)]));
}

export function fromWatermarks(marks: Watermarks): Record<string, string> {
  return Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, new Date(v).toISOString()]));
}

/**
 * Reads the state file; a missing file is a fresh start, anything unreadable is exit 2, and so is a
 * file written with another --bucket or for another --sink.
 */
export async function loadState(path: string, bucketMs: number, sink = DEFAULT_STATE_SINK): Promise<State> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") return emptyState(bucketMs, sink);
    throw new UsageError(
      `--state: cannot read ${path} (${code ?? "error"}); check its permissions or choose another file`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(
      `--state: ${path} is not valid JSON (corrupt or edited by hand); restore it, or move it away to start over (recent buckets are then re-exported, which overwrites and never double counts)`,
    );
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `--state: ${path} is not a state file of this tool (${issue?.path.join(".") || "root"}: ${issue?.message}); restore it or move it away to start over`,
    );
  }
  const state = parsed.data;
  state.workspaces = dictionary(state.workspaces);
  for (const ws of Object.values(state.workspaces)) {
    ws.delivery = dictionary(ws.delivery);
    if (ws.sources) ws.sources = dictionary(ws.sources);
  }
  if (state.version > STATE_VERSION) {
    throw new UsageError(
      `--state: ${path} was written by a newer segment-datadog-exporter (state version ${state.version}, this one reads ${STATE_VERSION}); upgrade, or use another --state file`,
    );
  }
  if (state.bucket !== formatDuration(bucketMs)) {
    throw new UsageError(
      `--bucket: ${path} was written with --bucket ${state.bucket}; keep --bucket ${state.bucket}, or use a new --state file (mixing bucket lengths would make points of different intervals collide in Datadog)`,
    );
  }
  const written = state.sink ?? DEFAULT_STATE_SINK;
  if (written !== sink) {
    throw new UsageError(
      `--sink: ${path} holds the progress of --sink ${written}; keep --sink ${written}, or use a new --state file for --sink ${sink} (progress sent to one backend says nothing about what another holds)`,
    );
  }
  state.sink = written;
  return state;
}

/** Before any request: the state folder must exist or be creatable, and be writable. */
export async function assertStateWritable(path: string): Promise<void> {
  const dir = dirname(path);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "error";
    if (code === "EEXIST" || code === "ENOTDIR") {
      throw new UsageError(`--state: ${dir} is a file, not a folder; choose a --state path inside a folder`);
    }
    throw new UsageError(
      `--state: folder ${dir} is not writable (${code}); fix its permissions or choose another --state file`,
    );
  }
}

/** Writes the state atomically; the folder is created (0700) when missing. */
export async function saveState(path: string, state: State): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const body = { ...state, updatedAt: new Date().toISOString() };
  try {
    const handle = await open(temp, "w", 0o600);
    try {
      // Written in pieces: the whole text of a 10 000-connection state is ~3 MB, made again at
      // every checkpoint (one per batch the sink accepts).
      for (const piece of jsonPieces(body)) await handle.write(piece, null, "utf8");
      await handle.write("\n", null, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    const code = (error as { code?: string }).code;
    // Points were already sent: the buckets stay pending and are re-exported (overwriting) next run.
    throw new PartialFailureError(
      `--state: cannot write ${path} (${code ?? "error"}); exported buckets stay pending and will be re-exported next run`,
    );
  }
  // Make the rename itself durable; some file systems refuse to open a directory, which is fine.
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/**
 * A digest of the state as it would be written, `updatedAt` aside: a checkpoint compares it with the
 * last one written and skips a write that changes nothing. Kept as text, the last state written was a
 * string of ~3 MB at 10 000 connections for the whole run; the text hashed here is dropped at once.
 * (JSON.stringify, not `jsonPieces`: the pieces are for writing without holding the text; made by a
 * generator, the 0.3 MB state of 1 000 connections took 26–41 ms of the event loop, against ~1 ms.)
 */
export function stateDigest(state: State): string {
  return createHash("sha256")
    .update(JSON.stringify({ ...state, updatedAt: undefined }))
    .digest("base64");
}

/** About how much text is written at once. */
const PIECE_CHARS = 64 * 1024;

/**
 * `JSON.stringify(value, null, 2)`, character for character, in pieces of about PIECE_CHARS: for the
 * plain data of a state file (objects, arrays, strings, numbers, booleans, null; undefined members
 * left out as JSON.stringify leaves them).
 */
export function* jsonPieces(value: unknown): Generator<string> {
  let piece = "";
  for (const part of pretty(value, "")) {
    piece += part;
    if (piece.length >= PIECE_CHARS) {
      yield piece;
      piece = "";
    }
  }
  if (piece !== "") yield piece;
}

function* pretty(value: unknown, indent: string): Generator<string> {
  if (value === null || typeof value !== "object") {
    yield JSON.stringify(value) ?? "null";
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield "[]";
      return;
    }
    yield "[";
    for (const [i, item] of value.entries()) {
      yield `${i > 0 ? "," : ""}\n${inner}`;
      if (item === undefined || typeof item === "function") yield "null";
      else yield* pretty(item, inner);
    }
    yield `\n${indent}]`;
    return;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== "function");
  if (entries.length === 0) {
    yield "{}";
    return;
  }
  yield "{";
  for (const [i, [key, item]] of entries.entries()) {
    yield `${i > 0 ? "," : ""}\n${inner}${JSON.stringify(key)}: `;
    yield* pretty(item, inner);
  }
  yield `\n${indent}}`;
}
