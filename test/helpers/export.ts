// Builds an ExportConfig for in-process runs against the emulators.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_PREFIX, type ExportConfig, resolveSchedule } from "../../src/config/settings.js";
import type { SinkConfig } from "../../src/config/sink.js";
import type { Emulators } from "../../src/emulator/index.js";
import { createLogger } from "../../src/log.js";
import type { RunDeps } from "../../src/run/export.js";
import { DEFAULT_REMOTE_WRITE_MAX_AGE_MS } from "../../src/sinks/prometheus/index.js";

export function tempStatePath(): string {
  return join(mkdtempSync(join(tmpdir(), "sde-test-")), "state.json");
}

export function exportConfig(
  emulators: Pick<Emulators, "segment" | "datadog">,
  over: Partial<ExportConfig> = {},
  flags = {},
): ExportConfig {
  return {
    workspaces: [
      {
        label: "test",
        token: emulators.segment.token,
        apiUrl: emulators.segment.url,
        include: [],
        exclude: [],
        tags: [],
      },
    ],
    sink: {
      name: "datadog",
      settings: { apiKey: emulators.datadog.apiKey, site: "datadoghq.com", apiUrl: emulators.datadog.url },
    },
    prefix: DEFAULT_PREFIX,
    tags: [],
    statePath: tempStatePath(),
    dryRun: false,
    logLevel: "warn",
    concurrency: 8,
    requestTimeoutMs: 5_000,
    rateLimits: {},
    schedule: resolveSchedule(flags, {}),
    eventVolume: true,
    // Usage adds four calls a day; tests that count calls leave it out, the usage tests turn it on.
    usage: false,
    errorDetails: true,
    // The pipeline steps add Delivery Overview requests; the tests that count those turn it on.
    pipeline: false,
    eventsGroupBy: [],
    ...over,
  };
}

/** The New Relic emulator as the run's sink. */
export function newRelicSink(emulators: Pick<Emulators, "newrelic">): SinkConfig {
  return {
    name: "newrelic",
    settings: {
      licenseKey: emulators.newrelic.licenseKey,
      url: emulators.newrelic.metricUrl,
      origin: { url: "--newrelic-url", key: "NEW_RELIC_LICENSE_KEY" },
    },
  };
}

/** A remote-write receiver (the emulator, or a real Prometheus) as the run's sink. */
export function remoteWriteSink(writeUrl: string, maxAgeMs = DEFAULT_REMOTE_WRITE_MAX_AGE_MS): SinkConfig {
  return {
    name: "prometheus",
    maxAgeMs,
    settings: { url: writeUrl, maxAgeMs, origin: { url: "--remote-write-url", credentials: "no credentials" } },
  };
}

/** Run dependencies with a fixed clock and captured output. */
export function deps(now: () => number, logs: string[] = [], stdout: string[] = []): RunDeps {
  return {
    now,
    logger: createLogger({ level: "debug", pretty: false, write: (line) => logs.push(line) }),
    stdout: (text) => stdout.push(text),
  };
}
