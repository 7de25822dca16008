// Which backend points go to (`--sink`, design §5) and its settings. Only the chosen backend's
// settings are asked for; each backend's resolution is one function of its own module.
import { UsageError } from "../errors.js";
import type { Backend, SinkAge, SinkOpenOptions } from "../sinks/backend.js";
import { BACKENDS, SINK_NAMES, type SinkName } from "../sinks/registry.js";
import type { Sink } from "../sinks/types.js";
import { formatDuration } from "../time.js";
import { resolveDatadog } from "./datadog.js";
import { fromFile, fromFlag, type Inputs } from "./inputs.js";
import { resolveNewRelic } from "./newrelic.js";
import { remoteWriteMaxAge, resolveRemoteWrite } from "./remote-write.js";
import { resolveHistorical } from "./schedule.js";
import type { DatadogSettings, ExportFlags, NewRelicSettings, RemoteWriteSettings } from "./types.js";
import { pick } from "./values.js";

/** The chosen backend and its settings; `settings` is absent only when nothing is sent (a dry run without a key). */
export type SinkConfig =
  | { name: "datadog"; settings: DatadogSettings | undefined }
  | { name: "newrelic"; settings: NewRelicSettings | undefined }
  /** `maxAgeMs` is known without the secrets: a dry run plans with it too. */
  | { name: "prometheus"; settings: RemoteWriteSettings | undefined; maxAgeMs: number };

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

export interface BoundBackend {
  backend: Backend<never>;
  /** Opens the sink with the configured settings; undefined when there are none (nothing is sent). */
  open: ((options: SinkOpenOptions) => Promise<Sink>) | undefined;
}

const bind = <S>(backend: Backend<S>, settings: S | undefined): BoundBackend => ({
  backend: backend as Backend<never>,
  open: settings === undefined ? undefined : (options) => backend.open(settings, options),
});

/** The backend of a sink config, with its settings bound to `open`. */
export function backendOf(sink: SinkConfig): BoundBackend {
  switch (sink.name) {
    case "datadog":
      return bind(BACKENDS.datadog, sink.settings);
    case "newrelic":
      return bind(BACKENDS.newrelic, sink.settings);
    case "prometheus":
      return bind(BACKENDS.prometheus, sink.settings);
  }
}

/** The settings that decide how old a point the sink takes. */
export function sinkAge(sink: SinkConfig, historical: boolean): SinkAge {
  return { historical, maxAgeMs: sink.name === "prometheus" ? sink.maxAgeMs : undefined };
}

/** `--sink` / `SEGMENT_EXPORTER_SINK` / config `sink:`, default datadog. */
export function sinkNameOf(inputs: Inputs): SinkName {
  const raw = pick(
    fromFlag(inputs.flags.sink, "--sink"),
    fromFlag(inputs.env.SEGMENT_EXPORTER_SINK, "SEGMENT_EXPORTER_SINK"),
    fromFile(inputs, "sink", inputs.file.sink),
  );
  if (!raw) return "datadog";
  const name = raw.value.trim().toLowerCase();
  if (!(SINK_NAMES as string[]).includes(name)) {
    throw new UsageError(`${raw.from}: '${raw.value}' is not a sink; use ${SINK_NAMES.join(", ")}`);
  }
  return name as SinkName;
}

/**
 * `--historical` is Datadog's Historical Metrics Ingestion: with another sink it would change nothing
 * that sink does but the default re-read ages and the fresh start, so it is refused rather than
 * silently ignored.
 */
function historicalFor(inputs: Inputs, name: SinkName): boolean {
  const historical = resolveHistorical(inputs);
  if (historical && name !== "datadog") {
    const from =
      (inputs.flags as ExportFlags).historical === true
        ? "--historical"
        : fromFile(inputs, "export.historical", "").from;
    const instead =
      name === "newrelic"
        ? "New Relic takes points up to 48h old without it"
        : "for a receiver with out-of-order ingestion, raise --remote-write-max-age instead";
    throw new UsageError(
      `${from}: Historical Metrics Ingestion is Datadog's; ${instead}; leave it out with --sink ${name}`,
    );
  }
  return historical;
}

/** The sink config without its secrets: what a schedule is checked against before any secret is read. */
function unsentSink(inputs: Inputs, name: SinkName): SinkConfig {
  return name === "prometheus"
    ? { name, settings: undefined, maxAgeMs: remoteWriteMaxAge(inputs) }
    : { name, settings: undefined };
}

/**
 * The age window of the sink the inputs choose, from its non-secret settings only: schedules are
 * checked (exit 2) before any secret is read, so a bad flag is reported first.
 */
export function resolveSinkWindow(inputs: Inputs): SinkWindow {
  const name = sinkNameOf(inputs);
  return sinkWindow(unsentSink(inputs, name), historicalFor(inputs, name));
}

export function sinkWindow(sink: SinkConfig, historical: boolean): SinkWindow {
  const { backend } = backendOf(sink);
  const maxAgeMs = backend.maxAgeMs(sinkAge(sink, historical));
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
  const name = sinkNameOf(inputs);
  historicalFor(inputs, name);
  const required = need === "required";
  switch (name) {
    case "datadog":
      return { name, settings: resolveDatadog(inputs, required) };
    case "newrelic":
      return { name, settings: resolveNewRelic(inputs, required) };
    case "prometheus":
      return { name, settings: resolveRemoteWrite(inputs, required), maxAgeMs: remoteWriteMaxAge(inputs) };
  }
}

/** Tag keys the sink cannot write as its backend writes tags: exit 2 naming the setting. */
export function checkSinkTags(sink: SinkConfig, tags: readonly string[], from: string): void {
  const problem = backendOf(sink).backend.checkTagKeys?.(tags.map((t) => t.slice(0, t.indexOf(":"))));
  if (problem !== undefined) throw new UsageError(`${from}: ${problem}`);
}

/** The secrets of a sink config, to scrub from every output. */
export function sinkSecrets(sink: SinkConfig): Array<string | undefined> {
  switch (sink.name) {
    case "datadog":
      return [sink.settings?.apiKey, sink.settings?.appKey];
    case "newrelic":
      return [sink.settings?.licenseKey];
    case "prometheus": {
      const credentials = sink.settings?.credentials;
      if (!credentials) return [];
      if ("bearerToken" in credentials) return [credentials.bearerToken];
      // The header carries user:password in base64: that form is a secret too.
      return [credentials.password, Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")];
    }
  }
}
