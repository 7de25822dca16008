// Both emulators together, as `demo`, `sandbox` and the end-to-end tests use them.
import { startDatadogEmulator } from "./datadog/server.js";
import type { DatadogEmulator, DatadogEmulatorOptions } from "./datadog/types.js";
import { type SegmentEmulator, type SegmentEmulatorOptions, startSegmentEmulator } from "./segment/server.js";

export interface Emulators {
  segment: SegmentEmulator;
  datadog: DatadogEmulator;
  close(): Promise<void>;
}

export async function startEmulators(
  options: { segment?: SegmentEmulatorOptions; datadog?: DatadogEmulatorOptions } = {},
): Promise<Emulators> {
  const segment = await startSegmentEmulator(options.segment);
  try {
    const datadog = await startDatadogEmulator(options.datadog);
    return {
      segment,
      datadog,
      close: async () => {
        await Promise.all([segment.close(), datadog.close()]);
      },
    };
  } catch (error) {
    await segment.close();
    throw error;
  }
}
