// The emulators together, as `demo`, `sandbox` and the end-to-end tests use them: Segment, and one
// intake per sink (Datadog, New Relic, remote write), each on its own loopback port.
import { startDatadogEmulator } from "./datadog/server.js";
import type { DatadogEmulator, DatadogEmulatorOptions } from "./datadog/types.js";
import { startNewRelicEmulator } from "./newrelic/server.js";
import type { NewRelicEmulator, NewRelicEmulatorOptions } from "./newrelic/types.js";
import { startPrometheusEmulator } from "./prometheus/server.js";
import type { PrometheusEmulator, PrometheusEmulatorOptions } from "./prometheus/types.js";
import { type SegmentEmulator, type SegmentEmulatorOptions, startSegmentEmulator } from "./segment/server.js";

export interface Emulators {
  segment: SegmentEmulator;
  datadog: DatadogEmulator;
  newrelic: NewRelicEmulator;
  prometheus: PrometheusEmulator;
  close(): Promise<void>;
}

export interface EmulatorsOptions {
  segment?: SegmentEmulatorOptions;
  datadog?: DatadogEmulatorOptions;
  newrelic?: NewRelicEmulatorOptions;
  prometheus?: PrometheusEmulatorOptions;
}

export async function startEmulators(options: EmulatorsOptions = {}): Promise<Emulators> {
  const started: Array<{ close(): Promise<void> }> = [];
  const closeAll = async () => {
    await Promise.all(started.map((e) => e.close()));
  };
  // One after the other, so a port taken (sandbox --…-port) names the emulator it was for.
  const start = async <E extends { close(): Promise<void> }>(emulator: Promise<E>): Promise<E> => {
    const e = await emulator;
    started.push(e);
    return e;
  };
  try {
    const segment = await start(startSegmentEmulator(options.segment));
    const datadog = await start(startDatadogEmulator(options.datadog));
    const newrelic = await start(startNewRelicEmulator(options.newrelic));
    const prometheus = await start(startPrometheusEmulator(options.prometheus));
    return { segment, datadog, newrelic, prometheus, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
