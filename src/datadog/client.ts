// The parts of @datadog/datadog-api-client that `dashboard` and `monitors` use, imported by deep
// path: the v1 DashboardsApi, MonitorsApi and serializer (every v1 model). `npm run build` bundles
// this file with esbuild into client.bundle.js: loading the whole package costs ~1-2 s and 100+ MB
// (reference §7.8: ~7 000 modules). Submitting metrics needs none of this (client-core.ts).
// Deep paths are not covered by the package's semver promise: the test suite exercises this file.

export { logger } from "@datadog/datadog-api-client/dist/logger.js";
export {
  ApiException,
  BaseServerConfiguration,
  type Configuration,
  createConfiguration,
} from "@datadog/datadog-api-client/dist/packages/datadog-api-client-common/index.js";
export { DashboardsApi } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/DashboardsApi.js";
export { MonitorsApi } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/MonitorsApi.js";
export { ObjectSerializer as V1ObjectSerializer } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/ObjectSerializer.js";
