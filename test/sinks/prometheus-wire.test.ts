// Remote write 1.0 bodies: protobuf WriteRequest in Snappy block format, labels sorted and sanitised.
import { readFileSync } from "node:fs";
import { PbfWriter } from "pbf";
import { compressSync, uncompressSync } from "snappy";
import { describe, expect, it } from "vitest";
import {
  decodeWriteRequest,
  decodeWriteRequestRaw,
  decompressBody,
  encodeWriteRequest,
  LABEL_NAME,
  METRIC_NAME,
  REMOTE_WRITE_HEADERS,
  type RemoteWriteSeries,
  sanitizeLabelName,
  sanitizeMetricName,
} from "../../src/sinks/prometheus/wire.js";

const T0 = 1_795_408_200_000;

const series = (labels: Record<string, string>, ...points: Array<[number, number]>): RemoteWriteSeries => ({
  labels,
  samples: points.map(([timestampMs, value]) => ({ timestampMs, value })),
});

describe("sanitisers", () => {
  it("turn every other character into _ and put _ before a leading digit", () => {
    expect(sanitizeMetricName("segment_exporter.delivery.time_to_success.p95")).toBe(
      "segment_exporter_delivery_time_to_success_p95",
    );
    expect(sanitizeMetricName("ns:rule:rate5m")).toBe("ns:rule:rate5m");
    expect(sanitizeMetricName("5xx-errors")).toBe("_5xx_errors");
    expect(sanitizeMetricName("é🙂")).toBe("__");
    expect(sanitizeLabelName("source.slug")).toBe("source_slug");
    expect(sanitizeLabelName("a:b")).toBe("a_b");
    expect(sanitizeLabelName("0day")).toBe("_0day");
    expect(sanitizeLabelName("")).toBe("_");
  });

  it("always give names the spec's regular expressions accept", () => {
    for (const raw of ["", "9", "a.b-c", "ä", "x y", "__name__", "ok_1", ":"]) {
      expect(sanitizeMetricName(raw)).toMatch(METRIC_NAME);
      expect(sanitizeLabelName(raw)).toMatch(LABEL_NAME);
    }
  });
});

describe("encodeWriteRequest", () => {
  it("round-trips through the decoder with names sanitised, empty values dropped, samples in time order", () => {
    const body = encodeWriteRequest([
      series(
        { __name__: "sde.delivered", "source.slug": "web", empty: "" },
        [T0 + 600_000, 3],
        [T0, 1.5],
        [T0 + 300_000, 0],
      ),
      series({ __name__: "sde.p95_seconds", destination: "d1" }, [T0, 0.123456789]),
    ]);
    expect(decodeWriteRequest(body)).toEqual([
      {
        labels: { __name__: "sde_delivered", source_slug: "web" },
        samples: [
          { timestampMs: T0, value: 1.5 },
          { timestampMs: T0 + 300_000, value: 0 },
          { timestampMs: T0 + 600_000, value: 3 },
        ],
      },
      {
        labels: { __name__: "sde_p95_seconds", destination: "d1" },
        samples: [{ timestampMs: T0, value: 0.123456789 }],
      },
    ]);
  });

  it("sorts labels by name in byte order on the wire (upper case before _, _ before lower case)", () => {
    const body = encodeWriteRequest([series({ zone: "z", __name__: "m", Region: "r", app: "a" }, [T0, 1])]);
    const [ts] = decodeWriteRequestRaw(body);
    expect(ts?.labels.map((l) => l.name)).toEqual(["Region", "__name__", "app", "zone"]);
  });

  it("keeps exact doubles, negative zero, NaN and int64 timestamps beyond 32 bits and below zero", () => {
    const values = [Number.MAX_VALUE, Number.MIN_VALUE, -0, -12.5, Number.NaN, 2 ** 53 + 2];
    const stamps = [-1, 0, 1, 2 ** 31, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER];
    const body = encodeWriteRequest(values.map((value, i) => series({ __name__: `m${i}` }, [stamps[i] ?? 0, value])));
    const decoded = decodeWriteRequest(body);
    decoded.forEach((ts, i) => {
      expect(ts.samples[0]?.timestampMs).toBe(stamps[i]);
      expect(Object.is(ts.samples[0]?.value, values[i])).toBe(true);
    });
  });

  it("refuses a series without __name__, two labels that sanitise to one name and fractional timestamps", () => {
    expect(() => encodeWriteRequest([series({ job: "x" }, [T0, 1])])).toThrow("without a __name__");
    expect(() => encodeWriteRequest([series({ __name__: "m", "a.b": "1", a_b: "2" }, [T0, 1])])).toThrow(
      'collides with another as "a_b"',
    );
    expect(() => encodeWriteRequest([series({ __name__: "m" }, [T0 + 0.5, 1])])).toThrow("not integer ms");
  });

  it("encodes many series with multi-byte lengths (300 series × 12 samples)", () => {
    const input = Array.from({ length: 300 }, (_, i) =>
      series(
        { __name__: "sde_delivered", destination: `destination-${i}`, source: "s".repeat(150) },
        ...Array.from({ length: 12 }, (_, k): [number, number] => [T0 + k * 300_000, i * 12 + k]),
      ),
    );
    const decoded = decodeWriteRequest(encodeWriteRequest(input));
    expect(decoded).toHaveLength(300);
    expect(decoded[299]).toEqual({
      labels: { __name__: "sde_delivered", destination: "destination-299", source: "s".repeat(150) },
      samples: Array.from({ length: 12 }, (_, k) => ({ timestampMs: T0 + k * 300_000, value: 299 * 12 + k })),
    });
  });
});

describe("Snappy block format", () => {
  const input = [series({ __name__: "sde_delivered", destination: "d" }, [T0, 1], [T0 + 300_000, 2])];

  it("starts with the varint of the uncompressed length, not the framed format's stream identifier", () => {
    const body = encodeWriteRequest(input);
    const raw = uncompressSync(Buffer.from(body)) as Buffer; // the native library, a second implementation
    expect(raw.length).toBeLessThan(128); // so the varint is a single byte
    expect(body[0]).toBe(raw.length);
    expect(Buffer.from(body.subarray(0, 10)).equals(Buffer.from("ff060000734e61507059", "hex"))).toBe(false);
  });

  it("decodes with the native snappy library, and decodes what the native library compresses", () => {
    const body = encodeWriteRequest(input);
    const viaNative = compressSync(Buffer.from(decompressBody(body)));
    expect(decodeWriteRequest(viaNative)).toEqual(decodeWriteRequest(body));
    expect(Buffer.from(uncompressSync(Buffer.from(body)) as Buffer).equals(Buffer.from(decompressBody(body)))).toBe(
      true,
    );
  });
});

describe("decoding", () => {
  it("skips fields remote write 1.0 does not define (metadata, exemplars)", () => {
    const label = (_: unknown, w: PbfWriter) => {
      w.writeStringField(1, "__name__");
      w.writeStringField(2, "m");
    };
    const sample = (_: unknown, w: PbfWriter) => {
      w.writeDoubleField(1, 4);
      w.writeVarintField(2, T0);
    };
    const exemplar = (_: unknown, w: PbfWriter) => w.writeDoubleField(2, 9);
    const pbf = new PbfWriter();
    pbf.writeMessage(
      1,
      (_: unknown, w: PbfWriter) => {
        w.writeMessage(1, label, {});
        w.writeMessage(2, sample, {});
        w.writeMessage(3, exemplar, {});
      },
      {},
    );
    pbf.writeMessage(3, (_: unknown, w: PbfWriter) => w.writeStringField(2, "help text"), {}); // metadata
    const body = compressSync(Buffer.from(pbf.finish()));
    expect(decodeWriteRequest(body)).toEqual([{ labels: { __name__: "m" }, samples: [{ timestampMs: T0, value: 4 }] }]);
  });

  it("throws on a body that is not Snappy, a truncated message, a wrong wire type and a size over the limit", () => {
    const proto = decompressBody(encodeWriteRequest([series({ __name__: "m", job: "j" }, [T0, 1])]));
    expect(() => decodeWriteRequest(Buffer.from("not snappy at all"))).toThrow();
    expect(() => decodeWriteRequest(compressSync(Buffer.from(proto.subarray(0, proto.length - 3))))).toThrow(
      /truncated|bounds/,
    );
    expect(() => decodeWriteRequest(compressSync(Buffer.from([0x08, 0x01])))).toThrow("wrong wire type 0");
    expect(() => decodeWriteRequest(encodeWriteRequest([series({ __name__: "m" }, [T0, 1])]), 4)).toThrow("too big");
  });
});

describe("REMOTE_WRITE_HEADERS", () => {
  it("are the four headers the spec requires, with the package version in User-Agent", () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(REMOTE_WRITE_HEADERS).toEqual({
      "Content-Encoding": "snappy",
      "Content-Type": "application/x-protobuf",
      "User-Agent": `segment-datadog-exporter/${version}`,
      "X-Prometheus-Remote-Write-Version": "0.1.0",
    });
    expect(Object.isFrozen(REMOTE_WRITE_HEADERS)).toBe(true);
  });
});
