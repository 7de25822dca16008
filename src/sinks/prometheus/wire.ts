// Remote write 1.0 request bodies (reference §2.1): series → protobuf WriteRequest → Snappy block
// format (the framed format is forbidden), and back for the emulator and tests. Pure: no I/O.
//
// Library: snappyjs, pure JavaScript (~5 kB bundled, no dependencies), whose compress() writes the
// block format (a varint of the uncompressed length, then the elements: test/sinks checks it against
// the native `snappy` package and a real Prometheus). The native `snappy` (napi-rs) is faster on
// large inputs, but it is a platform-specific binary (one optional package per OS/CPU; where none
// fits, a node-gyp build) and a request here is a few hundred kB at most, where the README of
// snappyjs measures it on a par with native code.
import { compress, uncompress } from "snappyjs";
import { VERSION } from "../../version.js";
import { sanitizeLabelName, sanitizeMetricName } from "./names.js";
import { decodeWriteRequestProto, encodeWriteRequestProto, type ProtoTimeSeries } from "./proto.js";

export { LABEL_NAME, METRIC_NAME, sanitizeLabelName, sanitizeMetricName } from "./names.js";
export type { ProtoLabel, ProtoSample, ProtoTimeSeries } from "./proto.js";

export interface RemoteWriteSample {
  value: number;
  /** Unix ms, an integer. */
  timestampMs: number;
}

export interface RemoteWriteSeries {
  /** Must hold a non-empty `__name__`. */
  labels: Readonly<Record<string, string>>;
  samples: readonly RemoteWriteSample[];
}

/** The four headers remote write 1.0 requires; a sender must not let users override them. */
export const REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Encoding": "snappy",
  "Content-Type": "application/x-protobuf",
  "User-Agent": `segment-datadog-exporter/${VERSION}`,
  "X-Prometheus-Remote-Write-Version": "0.1.0",
});

/** Decompressed size a decoder accepts by default: well above any request the exporter sends. */
export const DEFAULT_MAX_DECODED_BYTES = 32 * 1024 * 1024;

/**
 * One series as the spec wants it on the wire: names sanitised, labels with an empty value left out
 * (Prometheus treats them as absent), labels sorted by name, samples in time order.
 * Throws on a missing `__name__`, two labels that sanitise to one name, or a non-integer timestamp:
 * those are the caller's bugs, not data to repair silently.
 */
export function toProtoTimeSeries(series: RemoteWriteSeries): ProtoTimeSeries {
  const metric = series.labels.__name__;
  if (!metric) throw new Error("remote write series without a __name__ label");
  const byName = new Map<string, string>([["__name__", sanitizeMetricName(metric)]]);
  for (const [raw, value] of Object.entries(series.labels)) {
    if (raw === "__name__" || value === "") continue;
    const name = sanitizeLabelName(raw);
    if (byName.has(name)) throw new Error(`label "${raw}" of ${metric} collides with another as "${name}"`);
    byName.set(name, value);
  }
  const labels = [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value }));
  for (const s of series.samples) {
    if (!Number.isSafeInteger(s.timestampMs))
      throw new Error(`${metric}: timestamp ${s.timestampMs} is not integer ms`);
  }
  const samples = [...series.samples]
    .sort((a, b) => a.timestampMs - b.timestampMs)
    .map((s) => ({ value: s.value, timestamp: s.timestampMs }));
  return { labels, samples };
}

/** The request body: a snappy-compressed WriteRequest. */
export function encodeWriteRequest(series: readonly RemoteWriteSeries[]): Uint8Array {
  return compress(encodeWriteRequestProto(series.map(toProtoTimeSeries)));
}

/** Decompresses a body (throws when it is not Snappy block data or decodes past `maxBytes`). */
export function decompressBody(body: Uint8Array, maxBytes = DEFAULT_MAX_DECODED_BYTES): Uint8Array {
  return uncompress(body, maxBytes);
}

/** The series of a body as sent: labels in wire order, repeated or empty ones included. */
export function decodeWriteRequestRaw(body: Uint8Array, maxBytes = DEFAULT_MAX_DECODED_BYTES): ProtoTimeSeries[] {
  return decodeWriteRequestProto(decompressBody(body, maxBytes));
}

/** The series of a body, each label set as a record (a repeated name keeps its last value). */
export function decodeWriteRequest(body: Uint8Array, maxBytes = DEFAULT_MAX_DECODED_BYTES): RemoteWriteSeries[] {
  return decodeWriteRequestRaw(body, maxBytes).map((ts) => ({
    labels: Object.fromEntries(ts.labels.map((l) => [l.name, l.value])),
    samples: ts.samples.map((s) => ({ value: s.value, timestampMs: s.timestamp })),
  }));
}
