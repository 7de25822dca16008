// The Datadog backend (design §5, Sinks): the v2 series intake through @datadog/datadog-api-client.
// Its client is loaded by `open` only, so `--help`, usage errors and dry runs never pay for it.
import type { DatadogSettings } from "../../config/types.js";
import type { Backend } from "../backend.js";
import { DATADOG_SUBMISSION, SeriesGroups, toSeries } from "./batch.js";
import { datadogMaxAgeMs, datadogOldestAccepted } from "./window.js";

export const datadogBackend: Backend<DatadogSettings> = {
  name: "datadog",
  label: "Datadog",
  writeRule: "overwrite",
  limits: DATADOG_SUBMISSION,
  maxAgeMs: (age) => datadogMaxAgeMs(age.historical),
  ageAdvice: "enable historical ingestion and pass --historical",
  oldestAcceptedMs: (now, age) => datadogOldestAccepted(now, age.historical),
  measure: () => new SeriesGroups(),
  // The v2 wire shape, with `type` spelled out.
  dryRunLines: (points) =>
    toSeries(points).map(({ payload }) => JSON.stringify({ ...payload, type: payload.type === 1 ? "count" : "gauge" })),
  open: async (settings, options) => {
    const { DatadogSink } = await import("./sink.js");
    return new DatadogSink({
      ...settings,
      historical: options.historical,
      logger: options.logger,
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
    });
  },
};
