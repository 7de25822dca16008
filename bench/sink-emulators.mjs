// The sink emulators (Datadog, New Relic, remote write) on a worker thread of the benchmark, so that
// the time one of them spends on a large submission (parsing and storing 45 000 points takes the
// Datadog emulator 0.15–0.3 s) does not freeze the Segment emulator, whose request log measures the
// exporter's idle share. Messages: "requests" → the three request logs; "close" → closed.
import { parentPort } from "node:worker_threads";
import { startDatadogEmulator } from "../dist/emulator/datadog/server.js";
import { startNewRelicEmulator } from "../dist/emulator/newrelic/server.js";
import { startPrometheusEmulator } from "../dist/emulator/prometheus/server.js";

const datadog = await startDatadogEmulator();
const newrelic = await startNewRelicEmulator();
const prometheus = await startPrometheusEmulator();
parentPort.on("message", async (message) => {
  if (message === "requests") {
    parentPort.postMessage({
      datadog: datadog.requests,
      newrelic: newrelic.requests,
      prometheus: prometheus.requests,
    });
  } else if (message === "close") {
    await Promise.all([datadog.close(), newrelic.close(), prometheus.close()]);
    parentPort.postMessage("closed");
  }
});
parentPort.postMessage({
  datadog: { url: datadog.url, apiKey: datadog.apiKey },
  newrelic: { licenseKey: newrelic.licenseKey, metricUrl: newrelic.metricUrl },
  prometheus: { writeUrl: prometheus.writeUrl },
});
