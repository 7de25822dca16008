// Which backend points go to (`--sink`, design §5) and its settings. Only the chosen backend's
// settings are asked for; each backend's resolution is one function here.
import type { Backend } from "../sinks/backend.js";
import { BACKENDS, type SinkName } from "../sinks/registry.js";
import { formatDuration } from "../time.js";
import { resolveDatadog } from "./datadog.js";
import type { Inputs } from "./inputs.js";
import { resolveHistorical } from "./schedule.js";
import type { DatadogSettings } from "./types.js";

/** The chosen backend and its settings; `settings` is absent only when nothing is sent (a dry run without a key). */
export type SinkConfig = { name: "datadog"; settings: DatadogSettings | undefined };

/** What a schedule is checked against at start-up. */
export interface SinkWindow {
  label: string;
  writeRule: Backend<unknown>["writeRule"];
  maxAgeMs: number;
  /** `Datadog's 1h window`. */
  windowLabel: string;
  /** How to send older points, if the backend can: `enable historical ingestion and pass --historical`. */
  advice?: string | undefined;
}

/** The backend of a sink config, with its settings, typed together. */
export function backendOf(sink: SinkConfig): {
  backend: Backend<DatadogSettings>;
  settings: DatadogSettings | undefined;
} {
  return { backend: BACKENDS[sink.name], settings: sink.settings };
}

/**
 * The age window of the sink the inputs choose, from its non-secret settings only: schedules are
 * checked (exit 2) before any secret is read, so a bad flag is reported first.
 */
export function resolveSinkWindow(inputs: Inputs): SinkWindow {
  return sinkWindow({ name: sinkNameOf(inputs), settings: undefined }, resolveHistorical(inputs));
}

function sinkNameOf(_inputs: Inputs): SinkName {
  return "datadog";
}

export function sinkWindow(sink: SinkConfig, historical: boolean): SinkWindow {
  const { backend, settings } = backendOf(sink);
  const maxAgeMs = backend.maxAgeMs(settings, historical);
  return {
    label: backend.label,
    writeRule: backend.writeRule,
    maxAgeMs,
    windowLabel: `${backend.label}'s ${Number.isFinite(maxAgeMs) ? formatDuration(maxAgeMs) : "unlimited"} window`,
    advice: backend.ageAdvice,
  };
}

/** `required`: a run that sends; `optional`: a dry run (settings used if given). */
export function resolveSink(inputs: Inputs, need: "required" | "optional"): SinkConfig {
  return { name: sinkNameOf(inputs), settings: resolveDatadog(inputs, need === "required") };
}

/** The secrets of a sink config, to scrub from every output. */
export function sinkSecrets(sink: SinkConfig): Array<string | undefined> {
  return [sink.settings?.apiKey, sink.settings?.appKey];
}
