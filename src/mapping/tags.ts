// Tag sets of design §5. Values go out as Segment has them (Datadog lowercases and normalises);
// `source` is reserved in Datadog, hence `source_slug`. Every key is always present and non-empty
// so that a series keeps one identity across runs (a changed tag set would make a second series).

export interface SourceRef {
  id: string;
  slug: string;
}

export interface DestinationRef {
  id: string;
  name: string;
  catalogName: string;
  catalogSlug: string;
}

function firstNonEmpty(...values: Array<string | undefined>): string {
  return values.find((v) => v !== undefined && v.trim() !== "") ?? "unknown";
}

export function workspaceTags(workspaceSlug: string, extra: readonly string[]): string[] {
  return [`workspace:${workspaceSlug}`, ...extra];
}

export function sourceTags(workspaceSlug: string, source: SourceRef, extra: readonly string[]): string[] {
  return [
    `workspace:${workspaceSlug}`,
    `source_slug:${firstNonEmpty(source.slug, source.id)}`,
    `source_id:${source.id}`,
    ...extra,
  ];
}

export function connectionTags(
  workspaceSlug: string,
  source: SourceRef,
  destination: DestinationRef,
  extra: readonly string[],
): string[] {
  return [
    `workspace:${workspaceSlug}`,
    `source_slug:${firstNonEmpty(source.slug, source.id)}`,
    `source_id:${source.id}`,
    // A destination whose name is empty is tagged with its catalog name (design §5).
    `destination:${firstNonEmpty(destination.name, destination.catalogName, destination.catalogSlug, destination.id)}`,
    `destination_id:${destination.id}`,
    `destination_type:${firstNonEmpty(destination.catalogSlug, destination.catalogName)}`,
    ...extra,
  ];
}
