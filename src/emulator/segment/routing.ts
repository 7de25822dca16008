// The route table: path patterns, the API versions each endpoint offers (reference §1), the
// handlers, and Accept-header negotiation.
import { DELIVERY_OVERVIEW_STEPS, type DeliveryOverviewStep, deliveryOverview } from "./delivery-overview.js";
import * as h from "./routes.js";

export type SegmentRoute =
  | "workspace"
  | "sources"
  | "connected-destinations"
  | "destinations"
  | "delivery-metrics"
  | "events-volume"
  | "usage-mtu-sources"
  | "usage-mtu"
  | "usage-api-calls-sources"
  | "usage-api-calls"
  | "echo"
  | `delivery-overview-${DeliveryOverviewStep}`;

export type ApiVersion = "v1" | "v1beta" | "v1alpha";

interface RouteDef {
  route: SegmentRoute;
  pattern: RegExp;
  versions: readonly ApiVersion[];
  handler: h.Handler;
}

const ALL: readonly ApiVersion[] = ["v1", "v1beta", "v1alpha"];
const ID = "([^/]+)";

export const ROUTES: readonly RouteDef[] = [
  { route: "workspace", pattern: /^\/$/, versions: ALL, handler: h.workspace },
  { route: "sources", pattern: /^\/sources$/, versions: ALL, handler: h.sources },
  {
    route: "connected-destinations",
    pattern: new RegExp(`^/sources/${ID}/connected-destinations$`),
    versions: ALL,
    handler: h.connectedDestinations,
  },
  { route: "destinations", pattern: /^\/destinations$/, versions: ALL, handler: h.destinations },
  {
    route: "delivery-metrics",
    pattern: new RegExp(`^/destinations/${ID}/delivery-metrics$`),
    versions: ["v1beta", "v1alpha"],
    handler: h.deliveryMetrics,
  },
  { route: "events-volume", pattern: /^\/events\/volume$/, versions: ALL, handler: h.eventsVolume },
  { route: "usage-mtu-sources", pattern: /^\/usage\/mtu\/sources\/daily$/, versions: ALL, handler: h.usageMtuSources },
  { route: "usage-mtu", pattern: /^\/usage\/mtu\/daily$/, versions: ALL, handler: h.usageMtu },
  {
    route: "usage-api-calls-sources",
    pattern: /^\/usage\/api-calls\/sources\/daily$/,
    versions: ALL,
    handler: h.usageApiCallsSources,
  },
  { route: "usage-api-calls", pattern: /^\/usage\/api-calls\/daily$/, versions: ALL, handler: h.usageApiCalls },
  { route: "echo", pattern: /^\/echo$/, versions: ["v1", "v1alpha"], handler: h.echo },
  ...DELIVERY_OVERVIEW_STEPS.map(
    (step): RouteDef => ({
      route: `delivery-overview-${step}`,
      pattern: new RegExp(`^/delivery-overview/${step}$`),
      versions: ["v1beta"],
      handler: deliveryOverview(step),
    }),
  ),
];

export function matchRoute(path: string): { def: RouteDef; params: string[] } | undefined {
  const normalized = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  for (const def of ROUTES) {
    const m = def.pattern.exec(normalized);
    if (m) return { def, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}

/**
 * Whether an Accept header can be served. Plain JSON, wildcards and no header always can; vendor
 * types must name a version the endpoint offers. Assumption (real behaviour unknown, §10.8):
 * a request that only accepts unavailable versions, e.g. `application/vnd.segment.v1+json` on
 * delivery-metrics (beta/alpha only), gets 406.
 */
export function acceptable(accept: string | undefined, versions: readonly ApiVersion[]): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  for (const part of accept.split(",")) {
    const type = (part.split(";")[0] ?? "").trim().toLowerCase();
    if (type === "application/json" || type === "*/*" || type === "application/*") return true;
    const vendor = /^application\/vnd\.segment\.(v1|v1beta|v1alpha)\+json$/.exec(type);
    if (vendor && versions.includes(vendor[1] as ApiVersion)) return true;
  }
  return false;
}
