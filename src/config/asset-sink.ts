// `--sink` of `dashboard` and `monitors` (design §5, Dashboards and monitors): the run's sink setting
// (flag, SEGMENT_EXPORTER_SINK or config `sink:`, config/sink.ts); `datadog` creates or updates the
// assets in Datadog, `newrelic` and `prometheus` write files to import and send nothing.
import { UsageError } from "../errors.js";
import { type Schedule, sendingAgeMs } from "../plan/schedule.js";
import type { SinkName } from "../sinks/registry.js";
import type { Inputs } from "./inputs.js";
import { resolveBucketAndDelay, resolveSchedule } from "./schedule.js";
import { resolveSinkWindow, type SinkWindow, sinkNameOf } from "./sink.js";
import type { AssetFlags } from "./types.js";

export type AssetSink = SinkName;

const LABELS: Readonly<Record<Exclude<AssetSink, "datadog">, string>> = {
  newrelic: "New Relic",
  prometheus: "Prometheus remote write",
};

export function assetSinkOf(inputs: Inputs<AssetFlags>): AssetSink {
  const sink = sinkNameOf(inputs);
  if (sink !== "datadog" && inputs.flags.out === undefined) {
    const example = sink === "prometheus" ? "grafana/" : "newrelic/";
    throw new UsageError(
      `--sink ${sink}: the assets for ${LABELS[sink]} are files to import and nothing is sent; give --out DIR, e.g. --out ${example}`,
    );
  }
  return sink;
}

/**
 * The schedule the assets are built for. Datadog: bucket and delay, checked against its window as
 * before. The others take each bucket once, at its last read age (design §5, Sinks), so the re-read
 * ages say when points arrive; their age limits are the export's to enforce (these commands send
 * nothing and do not know --remote-write-max-age), so the window here does not bound them.
 */
export function assetScheduleOf(
  inputs: Inputs<AssetFlags>,
  sink: AssetSink,
): Pick<Schedule, "bucketMs" | "delayMs"> & { sendAgeMs?: number } {
  if (sink === "datadog") return resolveBucketAndDelay(inputs, resolveSinkWindow(inputs));
  const window: SinkWindow = {
    label: LABELS[sink],
    writeRule: "once",
    maxAgeMs: Number.POSITIVE_INFINITY,
    windowLabel: `${LABELS[sink]}'s window`,
  };
  const schedule = resolveSchedule(inputs, window);
  return { bucketMs: schedule.bucketMs, delayMs: schedule.delayMs, sendAgeMs: sendingAgeMs(schedule) };
}
