// The remote-write wire against a real Prometheus (Debian's 2.42): every sample written is read back
// exactly through the HTTP API, and the refusals the emulator models (duplicate, out of order, out
// of bounds, rollback, silent drops within a request) get the same answers from both.
// Runs when `prometheus` is on the PATH; in CI its absence fails the suite (see test/helpers).
import { compress } from "snappyjs";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PrometheusEmulator, startPrometheusEmulator } from "../../src/emulator/prometheus/index.js";
import { encodeWriteRequestProto } from "../../src/sinks/prometheus/proto.js";
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type RemoteWriteSeries } from "../../src/sinks/prometheus/wire.js";
import { type RealPrometheus, runsWith, startPrometheus } from "../helpers/prometheus.js";

const MIN = 60_000;
const HOUR = 3_600_000;
/** A bucket boundary a little in the past: every timestamp below is relative to it. */
const BASE = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - 5 * MIN;

const series = (labels: Record<string, string>, points: Array<[number, number]>): RemoteWriteSeries => ({
  labels,
  samples: points.map(([timestampMs, value]) => ({ timestampMs, value })),
});

async function post(url: string, body: Uint8Array): Promise<[number, string]> {
  const res = await request(url, { method: "POST", headers: { ...REMOTE_WRITE_HEADERS }, body });
  return [res.statusCode, (await res.body.text()).trim()];
}

describe.runIf(runsWith("prometheus"))("a real Prometheus", () => {
  let prometheus: RealPrometheus;
  let emulator: PrometheusEmulator;

  beforeAll(async () => {
    prometheus = await startPrometheus();
    emulator = await startPrometheusEmulator();
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    await emulator?.close();
  });

  it("stores every sample written, read back exactly through the HTTP API under the sanitised names", async () => {
    const values = [0, 1, 1234567, 0.1, 2 / 3, -4.25, 1e-9, 12345.678901234];
    const input = [
      series({ __name__: "sde.rt.delivered", "source.slug": "web", destination: "d-1" }, []),
      series({ __name__: "sde.rt.delivered", "source.slug": "ios", destination: "d-2" }, []),
      series({ __name__: "sde.rt.p95_seconds", "source.slug": "web", destination: "d-1", empty: "" }, []),
    ].map((s, i) => ({
      ...s,
      samples: values.map((v, k) => ({ timestampMs: BASE - 40 * MIN + k * 5 * MIN, value: v * (i + 1) })),
    }));
    expect(await post(prometheus.writeUrl, encodeWriteRequest(input))).toEqual([204, ""]);

    const read = await prometheus.rawSamples('{__name__=~"sde_rt_.*"}', "2h", BASE + MIN);
    const byKey = (s: { labels: Record<string, string> }) => JSON.stringify(Object.entries(s.labels).sort());
    const expected = input.map((s) => ({
      labels: Object.fromEntries(
        Object.entries(s.labels)
          .filter(([, v]) => v !== "")
          .map(([k, v]) => (k === "__name__" ? [k, v.replaceAll(".", "_")] : [k.replaceAll(".", "_"), v])),
      ),
      samples: s.samples.map((x) => ({ timestampMs: x.timestampMs, value: x.value })),
    }));
    expect(read.sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(
      expected.sort((a, b) => byKey(a).localeCompare(byKey(b))),
    );
    expect(read.flatMap((s) => s.samples)).toHaveLength(24);
  });

  it("refuses duplicates, out-of-order and out-of-bounds samples as the emulator does, rolling the request back", async () => {
    const m = (name: string, points: Array<[number, number]>) => series({ __name__: `sde_case_${name}` }, points);
    const steps: Array<{ what: string; body: Uint8Array; expected: [number, string] }> = [
      {
        what: "first write",
        body: encodeWriteRequest([
          m("a", [
            [BASE - 10 * MIN, 1],
            [BASE - 5 * MIN, 2],
          ]),
        ]),
        expected: [204, ""],
      },
      { what: "repeat of the newest", body: encodeWriteRequest([m("a", [[BASE - 5 * MIN, 2]])]), expected: [204, ""] },
      {
        what: "newest time, other value",
        body: encodeWriteRequest([m("a", [[BASE - 5 * MIN, 3]])]),
        expected: [400, "duplicate sample for timestamp"],
      },
      {
        what: "repeat of an older sample",
        body: encodeWriteRequest([m("a", [[BASE - 10 * MIN, 1]])]),
        expected: [400, "out of order sample"],
      },
      {
        what: "a valid series beside a refused one",
        body: encodeWriteRequest([m("b", [[BASE, 5]]), m("a", [[BASE - 15 * MIN, 1]])]),
        expected: [400, "out of order sample"],
      },
      {
        what: "over an hour behind the head's newest",
        body: encodeWriteRequest([m("c", [[BASE - 5 * MIN - HOUR - 1, 1]])]),
        expected: [400, "out of bounds"],
      },
      {
        what: "conflicts within one request",
        body: compress(
          encodeWriteRequestProto([
            {
              labels: [{ name: "__name__", value: "sde_case_d" }],
              samples: [
                { timestamp: BASE - MIN, value: 1 },
                { timestamp: BASE - 2 * MIN, value: 2 },
                { timestamp: BASE - MIN, value: 3 },
              ],
            },
          ]),
        ),
        expected: [204, ""],
      },
    ];
    for (const step of steps) {
      const real = await post(prometheus.writeUrl, step.body);
      const emulated = await post(emulator.writeUrl, step.body);
      expect({ what: step.what, real, emulated }).toEqual({
        what: step.what,
        real: step.expected,
        emulated: step.expected,
      });
    }

    const stored = await prometheus.rawSamples('{__name__=~"sde_case_.*"}', "3h", BASE + MIN);
    const real = Object.fromEntries(stored.map((s) => [s.labels.__name__, s.samples]));
    const emulated = Object.fromEntries(emulator.series().map((s) => [s.labels.__name__, s.samples]));
    expect(real).toEqual(emulated);
    expect(real).toEqual({
      sde_case_a: [
        { timestampMs: BASE - 10 * MIN, value: 1 },
        { timestampMs: BASE - 5 * MIN, value: 2 },
      ],
      sde_case_d: [{ timestampMs: BASE - MIN, value: 1 }],
    });
  });
});
