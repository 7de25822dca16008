// Shared by the datadog-*.test.ts files: a real @datadog/datadog-api-client pointed at the emulator.
import { client, logger, v1, v2 } from "@datadog/datadog-api-client";
import type { DatadogEmulator } from "../../src/emulator/datadog/index.js";

// The client logs network errors at error level and unstable operations at warn level.
logger.setLevel("silent");

/** A fixed emulator clock (ms) and a bucket timestamp (s) well inside its window. */
export const NOW_MS = 1_795_408_200_000;
export const TS = 1_795_408_200 - 300;

export function configuration(emu: DatadogEmulator, keys: { apiKey?: string; appKey?: string } = {}) {
  const conf = client.createConfiguration({
    authMethods: { apiKeyAuth: keys.apiKey ?? emu.apiKey, appKeyAuth: keys.appKey ?? emu.appKey },
    baseServer: new client.BaseServerConfiguration(emu.url, {}),
  });
  for (const op of ["create", "get", "delete"]) {
    conf.unstableOperations[`v2.${op}HistoricalMetricsConfiguration`] = true;
  }
  return conf;
}

export function metricsApi(emu: DatadogEmulator, keys?: { apiKey?: string; appKey?: string }): v2.MetricsApi {
  return new v2.MetricsApi(configuration(emu, keys));
}

export function authenticationApi(emu: DatadogEmulator, keys?: { apiKey?: string }): v1.AuthenticationApi {
  return new v1.AuthenticationApi(configuration(emu, keys));
}

export function series(
  metric: string,
  points: Array<[number, number]>,
  tags: string[] = [],
  type = 1,
): v2.MetricSeries {
  return {
    metric,
    type: type as v2.MetricIntakeType,
    interval: 300,
    tags,
    points: points.map(([timestamp, value]) => ({ timestamp, value })),
  };
}

/** What a rejected promise was, for assertions on ApiException and network errors alike. */
export async function failure(promise: Promise<unknown>): Promise<{ code?: unknown; body?: unknown; error: Error }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { code?: unknown; body?: unknown };
    return { code: e.code, body: e.body, error: e };
  }
  throw new Error("expected the call to fail");
}

export { client };
