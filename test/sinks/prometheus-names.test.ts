// Remote-write names of design §5: dots as underscores, latencies in seconds with `_seconds`.
import { describe, expect, it } from "vitest";
import { remoteWriteName, remoteWriteValue } from "../../src/sinks/prometheus/names.js";

describe("remote-write names", () => {
  it("turns dots into underscores and adds _seconds to latencies", () => {
    expect(remoteWriteName("segment_exporter.delivery.successes", undefined)).toBe(
      "segment_exporter_delivery_successes",
    );
    expect(remoteWriteName("segment_exporter.delivery.time_to_success.p95", "milliseconds")).toBe(
      "segment_exporter_delivery_time_to_success_p95_seconds",
    );
    expect(remoteWriteName("p.exporter.run.duration", "seconds")).toBe("p_exporter_run_duration_seconds");
  });

  it("sends milliseconds as seconds and leaves other values alone", () => {
    expect(remoteWriteValue(1500, "milliseconds")).toBe(1.5);
    expect(remoteWriteValue(12, "seconds")).toBe(12);
    expect(remoteWriteValue(7, undefined)).toBe(7);
  });
});
