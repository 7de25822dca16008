// The parts of @datadog/datadog-api-client the sink uses, imported by deep path. `npm run build`
// bundles this file with esbuild into client.bundle.js: loading the whole package costs ~1-2 s and
// 100+ MB (reference §7.8: ~7 000 modules); the bundle of just these loads in a fraction of that.
// Deep paths are not covered by the package's semver promise: the test suite exercises this file.
// `dashboard` and `monitors` add the v1 DashboardsApi, MonitorsApi and serializer: the v1 models are
// already in the bundle through AuthenticationApi, so they cost little.

export { logger } from "@datadog/datadog-api-client/dist/logger.js";
export {
  ApiException,
  BaseServerConfiguration,
  type Configuration,
  createConfiguration,
} from "@datadog/datadog-api-client/dist/packages/datadog-api-client-common/index.js";
export { AuthenticationApi } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/AuthenticationApi.js";
export { DashboardsApi } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/DashboardsApi.js";
export { MonitorsApi } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/MonitorsApi.js";
export { ObjectSerializer as V1ObjectSerializer } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/ObjectSerializer.js";
export { MetricsApi } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/MetricsApi.js";
