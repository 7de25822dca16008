// The parts of @datadog/datadog-api-client that submitting needs: its configuration (sites and
// servers, auth methods, HTTP layer with our transport), request context and ApiException. Not its
// API classes: MetricsApi pulls in the serializer with every v2 model (thousands of classes, ~120 MB
// RSS and ~0.3 s to load), to serialise a payload that the exporter already builds in the wire shape
// (src/datadog/batch.ts). `npm run build` bundles this file into client-core.bundle.js. Deep paths
// are not covered by the package's semver promise: the test suite exercises this file.

export { logger } from "@datadog/datadog-api-client/dist/logger.js";
export { applySecurityAuthentication } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-common/configuration.js";
export {
  ApiException,
  BaseServerConfiguration,
  type Configuration,
  createConfiguration,
  HttpMethod,
  type RequestContext,
} from "@datadog/datadog-api-client/dist/packages/datadog-api-client-common/index.js";
