// Every backend, by its `--sink` name. A new backend is one folder under sinks/ and one entry here.
import type { Backend } from "./backend.js";
import { datadogBackend } from "./datadog/index.js";
import { newRelicBackend } from "./newrelic/index.js";
import { prometheusBackend } from "./prometheus/index.js";

export const BACKENDS = {
  datadog: datadogBackend,
  newrelic: newRelicBackend,
  prometheus: prometheusBackend,
} as const satisfies Record<string, Backend<never>>;

export type SinkName = keyof typeof BACKENDS;

export const SINK_NAMES = Object.keys(BACKENDS) as SinkName[];
