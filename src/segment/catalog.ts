// Workspace, sources and their connected destinations. One paginated `GET /destinations` lists
// every connection of the workspace (each destination carries its sourceId), which takes far fewer
// calls than one `connected-destinations` listing per source.
import type { SegmentHttp } from "./http.js";
import { collectPages } from "./paginate.js";
import { type Destination, destinationsPage, type Source, sourcesPage, workspaceData } from "./schemas.js";

export interface Workspace {
  id: string;
  slug: string;
  name?: string | undefined;
}

export async function getWorkspace(http: SegmentHttp): Promise<Workspace> {
  const data = await http.get("/", {}, workspaceData, { endpoint: "workspace" });
  return data.workspace;
}

export function listSources(http: SegmentHttp): Promise<Source[]> {
  return collectPages(http, "/sources", {}, sourcesPage, "sources", (d) => ({
    items: d.sources,
    next: d.pagination?.next,
  }));
}

export function listDestinations(http: SegmentHttp): Promise<Destination[]> {
  return collectPages(http, "/destinations", {}, destinationsPage, "destinations", (d) => ({
    items: d.destinations,
    next: d.pagination?.next,
  }));
}
