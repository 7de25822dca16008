// The emulated workspace: sources, destinations and their catalog entries. Everything is derived
// from a seed so fixtures are reproducible; ids look like Segment ids (22 base62 characters)
// without resembling any real token.
import { mulberry32 } from "../faults.js";
import { hashString, mix } from "./hash.js";

export interface CatalogRef {
  id: string;
  slug: string;
  name: string;
}

export interface FixtureSource {
  id: string;
  slug: string;
  name: string;
  enabled: boolean;
  catalog: CatalogRef;
  /** Daily API calls above 2^53 for this source (the API sends such counts as strings). */
  hugeApiCalls?: boolean;
}

export type DestinationHealth = "healthy" | "failing";

/**
 * true: served; false: every step answers 403 (a token without access); "not-found": every step
 * answers 404, as an API without the endpoint would (design §5 treats both as "not available").
 */
export type DeliveryOverviewAccess = boolean | "not-found";

export interface FixtureDestination {
  id: string;
  name: string;
  enabled: boolean;
  sourceId: string;
  catalog: CatalogRef;
  health: DestinationHealth;
}

export interface WorkspaceFixture {
  workspace: { id: string; slug: string; name: string };
  sources: FixtureSource[];
  destinations: FixtureDestination[];
  seed: number;
  /** Whether the workspace's token may use Delivery Overview. Default true. */
  deliveryOverview?: DeliveryOverviewAccess;
}

export const DEFAULT_SEED = 42;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A deterministic id: two independent 32-bit streams, so distinct labels do not collide in practice. */
export function fixtureId(seed: number, label: string, length = 22, alphabet = BASE62): string {
  const a = mulberry32(hashString(label, mix(0x811c9dc5, seed)));
  const b = mulberry32(hashString(label, mix(0x2545f491, seed)));
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(((a() + b()) % 1) * alphabet.length)];
  return out;
}

/** Catalog entries are global in Segment (same id in every workspace), so they ignore the seed. */
export interface CatalogInfo {
  slug: string;
  name: string;
  categories: string[];
  kind: "source" | "destination";
}

const CATALOG: CatalogInfo[] = [
  { kind: "source", slug: "javascript", name: "Javascript", categories: ["Website"] },
  { kind: "source", slug: "ios", name: "iOS", categories: ["Mobile"] },
  { kind: "source", slug: "android", name: "Android", categories: ["Mobile"] },
  { kind: "source", slug: "node", name: "Node.js", categories: ["Server"] },
  { kind: "source", slug: "python", name: "Python", categories: ["Server"] },
  { kind: "destination", slug: "mixpanel", name: "Mixpanel", categories: ["Analytics"] },
  { kind: "destination", slug: "amplitude", name: "Amplitude", categories: ["Analytics"] },
  { kind: "destination", slug: "google-analytics-4", name: "Google Analytics 4", categories: ["Analytics"] },
  { kind: "destination", slug: "webhooks", name: "Webhooks", categories: ["Raw Data"] },
  { kind: "destination", slug: "braze", name: "Braze", categories: ["Email Marketing", "SMS & Push Notifications"] },
  { kind: "destination", slug: "slack", name: "Slack", categories: ["Raw Data"] },
  { kind: "destination", slug: "customer-io", name: "Customer.io", categories: ["Email Marketing"] },
];

export const SOURCE_CATALOG_SLUGS = CATALOG.filter((c) => c.kind === "source").map((c) => c.slug);
export const DESTINATION_CATALOG_SLUGS = CATALOG.filter((c) => c.kind === "destination").map((c) => c.slug);

export function catalogInfo(slug: string): CatalogInfo | undefined {
  return CATALOG.find((c) => c.slug === slug);
}

/** Source catalog ids are 10 base62 characters, destination ones 24 hex digits, as in Segment. */
const catalogRefs = new Map<string, CatalogRef>();

export function catalogRef(slug: string): CatalogRef {
  const cached = catalogRefs.get(slug);
  if (cached) return { ...cached };
  const info = catalogInfo(slug);
  if (!info) throw new Error(`unknown catalog slug ${slug}`);
  const id =
    info.kind === "source"
      ? fixtureId(0, `catalog:${slug}`, 10)
      : fixtureId(0, `catalog:${slug}`, 24, "0123456789abcdef");
  const ref = { id, slug, name: info.name };
  catalogRefs.set(slug, ref);
  return { ...ref };
}

function source(seed: number, slug: string, name: string, catalog: string, extra: Partial<FixtureSource> = {}) {
  return { id: fixtureId(seed, `source:${slug}`), slug, name, enabled: true, catalog: catalogRef(catalog), ...extra };
}

function destination(
  seed: number,
  src: FixtureSource,
  index: number,
  catalog: string,
  name: string,
  enabled = true,
): FixtureDestination {
  return {
    id: fixtureId(seed, `destination:${src.slug}:${index}`),
    name,
    enabled,
    sourceId: src.id,
    catalog: catalogRef(catalog),
    health: "healthy",
  };
}

/**
 * The demo workspace: 4 sources (one without destinations) and 7 connections with the awkward cases.
 * `hugeApiCalls` gives the backend source daily API calls above 2^53, for the tests of big counts;
 * off by default, because `demo` and `sandbox` show this workspace and it should look like a real one.
 */
export function demoFixture(seed = DEFAULT_SEED, options: { hugeApiCalls?: boolean } = {}): WorkspaceFixture {
  const web = source(seed, "web", "Web", "javascript");
  const ios = source(seed, "ios", "iOS App", "ios");
  const backend = source(seed, "backend", "Backend", "node", options.hugeApiCalls ? { hugeApiCalls: true } : {});
  const marketing = source(seed, "marketing-site", "Marketing Site", "javascript");
  return {
    seed,
    workspace: {
      id: fixtureId(seed, "workspace:emulated-workspace"),
      slug: "emulated-workspace",
      name: "Emulated Workspace",
    },
    sources: [web, ios, backend, marketing],
    destinations: [
      destination(seed, web, 0, "mixpanel", "Mixpanel (web)"),
      destination(seed, web, 1, "google-analytics-4", "GA4 Web"),
      destination(seed, web, 2, "webhooks", ""),
      destination(seed, ios, 0, "amplitude", "Amplitude iOS"),
      destination(seed, ios, 1, "mixpanel", "Mixpanel (iOS)"),
      destination(seed, backend, 0, "braze", "Braze"),
      destination(seed, backend, 1, "slack", "Ops Alerts (retired)", false),
    ],
  };
}

/** A large synthetic workspace for scale tests and benchmarks; every 13th destination has an empty name, every 29th is disabled. */
export function generateFixture(opts: {
  sources: number;
  destinationsPerSource: number;
  seed?: number;
  workspaceSlug?: string;
}): WorkspaceFixture {
  const seed = opts.seed ?? DEFAULT_SEED;
  const slug = opts.workspaceSlug ?? "generated-workspace";
  const sources: FixtureSource[] = [];
  const destinations: FixtureDestination[] = [];
  for (let i = 0; i < opts.sources; i++) {
    const catalog = SOURCE_CATALOG_SLUGS[i % SOURCE_CATALOG_SLUGS.length] as string;
    const src = source(seed, `source-${String(i + 1).padStart(4, "0")}`, `Source ${i + 1}`, catalog, {
      ...(i === 0 ? { hugeApiCalls: true } : {}),
    });
    sources.push(src);
    for (let j = 0; j < opts.destinationsPerSource; j++) {
      const n = i * opts.destinationsPerSource + j;
      const cat = DESTINATION_CATALOG_SLUGS[(i + j) % DESTINATION_CATALOG_SLUGS.length] as string;
      const name = n % 13 === 12 ? "" : `${catalogRef(cat).name} ${i + 1}.${j + 1}`;
      destinations.push(destination(seed, src, j, cat, name, n % 29 !== 28));
    }
  }
  const ids = new Set([...sources.map((s) => s.id), ...destinations.map((d) => d.id)]);
  if (ids.size !== sources.length + destinations.length) throw new Error("fixture id collision; change the seed");
  return { seed, workspace: { id: fixtureId(seed, `workspace:${slug}`), slug, name: slug }, sources, destinations };
}
