// JSON shapes of workspace, SourceV1 and DestinationV1 (reference §3.A–C). Catalog metadata is
// kept small but carries every field the SDK models mark as required.
import {
  type CatalogRef,
  catalogInfo,
  type FixtureDestination,
  type FixtureSource,
  type WorkspaceFixture,
} from "./fixture.js";

const LOGO_BASE = "https://cdn.emulator.invalid/logos";

function logos(slug: string) {
  return { default: `${LOGO_BASE}/${slug}.svg`, mark: `${LOGO_BASE}/${slug}-mark.svg`, alt: null };
}

function sourceMetadata(catalog: CatalogRef) {
  return {
    id: catalog.id,
    slug: catalog.slug,
    name: catalog.name,
    description: `${catalog.name} source (emulated catalog entry).`,
    logos: logos(catalog.slug),
    options: [],
    categories: catalogInfo(catalog.slug)?.categories ?? [],
    isCloudEventSource: false,
    status: "PUBLIC",
  };
}

function destinationMetadata(catalog: CatalogRef) {
  return {
    id: catalog.id,
    slug: catalog.slug,
    name: catalog.name,
    description: `${catalog.name} destination (emulated catalog entry).`,
    logos: logos(catalog.slug),
    options: [],
    status: "PUBLIC",
    previousNames: [catalog.name],
    categories: catalogInfo(catalog.slug)?.categories ?? [],
    website: `https://${catalog.slug}.example.invalid`,
    components: [
      {
        type: "SERVER",
        code: `https://github.com/segmentio/integrations/tree/master/${catalog.slug}`,
        owner: "SEGMENT",
      },
    ],
    supportedFeatures: { cloudModeInstances: "MULTIPLE", deviceModeInstances: "NONE", replay: false },
    supportedMethods: { pageview: true, identify: true, alias: true, track: true, group: true },
    supportedPlatforms: { browser: true, server: true, mobile: true },
    actions: [],
    presets: [],
  };
}

export function workspaceObject(fixture: WorkspaceFixture) {
  return { ...fixture.workspace };
}

export function sourceObject(fixture: WorkspaceFixture, source: FixtureSource) {
  return {
    id: source.id,
    slug: source.slug,
    name: source.name,
    workspaceId: fixture.workspace.id,
    enabled: source.enabled,
    writeKeys: [], // what a token without "source admin" sees; also keeps key-like strings out
    metadata: sourceMetadata(source.catalog),
    settings: {},
    labels: [],
  };
}

export function destinationObject(destination: FixtureDestination) {
  return {
    id: destination.id,
    name: destination.name,
    enabled: destination.enabled,
    metadata: destinationMetadata(destination.catalog),
    sourceId: destination.sourceId,
    settings: {},
  };
}
