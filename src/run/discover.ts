// Which connections to export: the workspace, its sources (filtered by --source ids or slugs)
// and every enabled destination connected to an enabled source.
import type { Logger } from "pino";
import type { DestinationRef, SourceRef } from "../mapping/tags.js";
import { getWorkspace, listDestinations, listSources, type Workspace } from "../segment/catalog.js";
import type { SegmentHttp } from "../segment/http.js";

export interface Connection {
  /** `sourceId/destinationId`: the state key and the owner prefix of its points. */
  key: string;
  source: SourceRef;
  destination: DestinationRef & { enabled: boolean };
}

export interface Discovery {
  workspace: Workspace;
  /** Sources that pass the filter, with or without destinations (event volume covers all of them). */
  sources: Array<SourceRef & { name: string; enabled: boolean }>;
  /** Every destination of those sources, disabled ones included (for `destinations`). */
  all: Connection[];
  /** What `export` reads: enabled destinations of enabled sources. */
  active: Connection[];
  /** Filter entries that matched no source. */
  unmatched: string[];
}

export async function discover(http: SegmentHttp, filter: readonly string[], logger: Logger): Promise<Discovery> {
  const [workspace, sources, destinations] = await Promise.all([
    getWorkspace(http),
    listSources(http),
    listDestinations(http),
  ]);
  const wanted = new Set(filter);
  const kept = filter.length === 0 ? sources : sources.filter((s) => wanted.has(s.id) || wanted.has(s.slug));
  const unmatched = filter.filter((f) => !sources.some((s) => s.id === f || s.slug === f));
  for (const entry of unmatched) {
    logger.warn(
      { source: entry, workspace: workspace.slug },
      `--source '${entry}' matches no source id or slug of this workspace; ignored`,
    );
  }
  const byId = new Map(kept.map((s) => [s.id, s]));
  const all: Connection[] = [];
  for (const d of destinations) {
    const source = byId.get(d.sourceId);
    if (!source) continue;
    all.push({
      key: `${source.id}/${d.id}`,
      source: { id: source.id, slug: source.slug },
      destination: {
        id: d.id,
        name: d.name ?? "",
        catalogName: d.metadata.name,
        catalogSlug: d.metadata.slug,
        enabled: d.enabled,
      },
    });
  }
  all.sort((a, b) => a.key.localeCompare(b.key));
  const enabledSources = new Set(kept.filter((s) => s.enabled).map((s) => s.id));
  return {
    workspace,
    sources: kept.map((s) => ({ id: s.id, slug: s.slug, name: s.name ?? "", enabled: s.enabled })),
    all,
    active: all.filter((c) => c.destination.enabled && enabledSources.has(c.source.id)),
    unmatched,
  };
}
