// Local Datadog metrics intake emulator: see server.ts.
export { HistoricalConfig } from "./historical.js";
export { normalizeMetricName, normalizeTag, normalizeTags } from "./normalize.js";
export { parseV1Payload, parseV2Payload } from "./payload.js";
export { startDatadogEmulator } from "./server.js";
export { MemoryPointStore, type PointWrite } from "./store.js";
export type {
  DatadogEmulator,
  DatadogEmulatorOptions,
  DatadogFault,
  DatadogRequestLog,
  DatadogRoute,
  DroppedPoint,
  MetricType,
  PointStore,
  StoredPoint,
} from "./types.js";
