// Every backend, by its `--sink` name. A new backend is one folder under sinks/ and one entry here.
import type { Backend } from "./backend.js";
import { datadogBackend } from "./datadog/index.js";

export const BACKENDS = {
  datadog: datadogBackend,
} as const satisfies Record<string, Backend<never>>;

export type SinkName = keyof typeof BACKENDS;
