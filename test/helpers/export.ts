// Builds an ExportConfig for in-process runs against the emulators.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_PREFIX, type ExportConfig, resolveSchedule } from "../../src/config/settings.js";
import type { Emulators } from "../../src/emulator/index.js";
import { createLogger } from "../../src/log.js";
import type { RunDeps } from "../../src/run/export.js";

export function tempStatePath(): string {
  return join(mkdtempSync(join(tmpdir(), "sde-test-")), "state.json");
}

export function exportConfig(emulators: Emulators, over: Partial<ExportConfig> = {}, flags = {}): ExportConfig {
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

/** Run dependencies with a fixed clock and captured output. */
export function deps(now: () => number, logs: string[] = [], stdout: string[] = []): RunDeps {
  return {
    now,
    logger: createLogger({ level: "debug", pretty: false, write: (line) => logs.push(line) }),
    stdout: (text) => stdout.push(text),
  };
}
