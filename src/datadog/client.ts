// The parts of @datadog/datadog-api-client the sink uses, imported by deep path. `npm run build`
// bundles this file with esbuild into client.bundle.js: loading the whole package costs ~1-2 s and
// 100+ MB (reference §7.8: ~7 000 modules); the bundle of just these loads in a fraction of that.
// Deep paths are not covered by the package's semver promise: the test suite exercises this file.

export { logger } from "@datadog/datadog-api-client/dist/logger.js";
export {
  ApiException,
  BaseServerConfiguration,
  type Configuration,
  createConfiguration,
} from "@datadog/datadog-api-client/dist/packages/datadog-api-client-common/index.js";
export { AuthenticationApi } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/AuthenticationApi.js";
export { MetricsApi } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/MetricsApi.js";
