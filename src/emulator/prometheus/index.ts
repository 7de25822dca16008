// Local Prometheus remote-write receiver emulator: see server.ts and head.ts.
export { Head, type HeadOptions, type IncomingSeries, type Refusal } from "./head.js";
export { receivedLabels, seriesKey } from "./labels.js";
export { startPrometheusEmulator, WRITE_PATH } from "./server.js";
export type {
  PrometheusEmulator,
  PrometheusEmulatorOptions,
  PrometheusFault,
  PrometheusRequestLog,
  RemoteWriteAuth,
  StoredSample,
  StoredSeries,
} from "./types.js";
