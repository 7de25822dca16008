// POST /api/v{1,2}/series after authentication: encoding, size limits, validation, then the
// timestamp window and the overwrite-not-add store (reference §2, §4, §5).
import { gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import type { HistoricalConfig } from "./historical.js";
import { parseV1Payload, parseV2Payload } from "./payload.js";
import { badRequest, payloadTooLarge, type Reply } from "./replies.js";
import type { MemoryPointStore } from "./store.js";
import type { DatadogRequestLog, DroppedPoint } from "./types.js";

export interface IntakeLimits {
  maxWireBytes: number;
  /** Exclusive: a body of exactly this size once decompressed is refused (§4.1 "< 5 MB"). */
  maxDecompressedBytes: number;
  maxPointsPerRequest: number;
}

/** v1 limits are the spec's (§4.1); the point cap is the v2 one, nothing documents another. */
export const V1_LIMITS = { maxWireBytes: 3_200_000, maxDecompressedBytes: 62_914_560 } as const;

export interface IntakeContext {
  version: 1 | 2;
  limits: IntakeLimits;
  textErrors: boolean;
  now: number;
  store: MemoryPointStore;
  dropped: DroppedPoint[];
  historical: HistoricalConfig;
  log: DatadogRequestLog;
}

const PAST_WINDOW_S = 3600;
const FUTURE_WINDOW_S = 600;

function decode(body: Buffer, encoding: string, maxOutputLength: number): Buffer {
  if (encoding === "gzip") return gunzipSync(body, { maxOutputLength });
  if (encoding === "deflate") {
    try {
      return inflateSync(body, { maxOutputLength }); // zlib-wrapped, as pako.deflate sends it
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "Z_DATA_ERROR") throw err;
      return inflateRawSync(body, { maxOutputLength }); // raw deflate, as some HTTP stacks send it
    }
  }
  return body;
}

export function handleSeries(body: Buffer, encoding: string, ctx: IntakeContext): Reply {
  const { limits, textErrors, log } = ctx;
  // zstd1 is in the v2 enum, but Node 20 cannot decode it; real answers to unknown encodings are
  // undocumented, 415 is our assumption.
  if (encoding !== "" && encoding !== "gzip" && encoding !== "deflate") {
    return { status: 415, json: { errors: ["Unsupported Content-Encoding"] }, error: `encoding ${encoding}` };
  }
  if (body.length > limits.maxWireBytes) {
    return payloadTooLarge(`wire body of ${body.length} bytes over ${limits.maxWireBytes}`, textErrors);
  }
  let raw: Buffer;
  try {
    raw = decode(body, encoding, limits.maxDecompressedBytes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      return payloadTooLarge(`decompressed body over ${limits.maxDecompressedBytes} bytes`, textErrors);
    }
    return badRequest(`body is not valid ${encoding}: ${(err as Error).message}`, textErrors);
  }
  log.decompressedBytes = raw.length;
  if (raw.length >= limits.maxDecompressedBytes) {
    return payloadTooLarge(
      `decompressed body of ${raw.length} bytes, limit < ${limits.maxDecompressedBytes}`,
      textErrors,
    );
  }
  const parsed = (ctx.version === 2 ? parseV2Payload : parseV1Payload)(raw.toString("utf8"));
  if ("error" in parsed) return badRequest(parsed.error, textErrors);
  log.series = parsed.series;
  log.points = parsed.points.length;
  log.metrics = [...new Set(parsed.points.map((p) => p.metric))];
  if (parsed.points.length > limits.maxPointsPerRequest) {
    return payloadTooLarge(`${parsed.points.length} points, limit ${limits.maxPointsPerRequest}`, textErrors);
  }

  // Out-of-window points are silently not ingested; the request still answers 202 (§4.6).
  const nowS = ctx.now / 1000;
  let dropped = 0;
  for (const point of parsed.points) {
    const reason =
      point.timestamp > nowS + FUTURE_WINDOW_S
        ? "too-far-in-future"
        : point.timestamp < nowS - PAST_WINDOW_S && !ctx.historical.enabledAt(point.metric)
          ? "too-old"
          : undefined;
    if (reason === undefined) {
      ctx.store.write(point, ctx.now); // in body order: a later duplicate overwrites an earlier one
      continue;
    }
    dropped += 1;
    const { metric, tags, timestamp, value } = point;
    ctx.dropped.push({ metric, tags: [...tags], timestamp, value, reason, receivedAt: ctx.now });
  }
  log.dropped = dropped;
  return { status: 202, json: ctx.version === 2 ? { errors: [] } : { status: "ok" } };
}
