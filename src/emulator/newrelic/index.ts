// Local New Relic Metric API emulator: see server.ts, payload.ts and store.ts.
export { parseMetricPayload, toMilliseconds } from "./payload.js";
export { DEFAULT_NEW_RELIC_LICENSE_KEY, METRIC_PATH, startNewRelicEmulator } from "./server.js";
export { dropReason, NewRelicStore } from "./store.js";
export type {
  AttributeValue,
  CountSum,
  DroppedNewRelicPoint,
  DropReason,
  NewRelicEmulator,
  NewRelicEmulatorOptions,
  NewRelicFault,
  NewRelicMetricType,
  NewRelicPoint,
  NewRelicRequestLog,
  StoredNewRelicPoint,
  SummaryValue,
} from "./types.js";
