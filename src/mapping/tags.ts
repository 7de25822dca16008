// Tag sets of design §5, as key/value pairs. Values go out as Segment has them (Datadog lowercases and
// normalises); `source` is reserved in Datadog, hence `source_slug`. Every key is always present and
// non-empty so that a series keeps one identity across runs (a changed tag set would make a second series).
import type { Tag } from "./types.js";

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

/** `team:growth` (the form of `--tag` and the config file) → `["team", "growth"]`. */
export function tagPair(tag: string): Tag {
  const colon = tag.indexOf(":");
  return colon < 0 ? [tag, ""] : [tag.slice(0, colon), tag.slice(colon + 1)];
}

/** `["team", "growth"]` → `team:growth`, as Datadog writes a tag. */
export function tagString([key, value]: Tag): string {
  return `${key}:${value}`;
}

/** The value of `key`, if the tags have it. */
export function tagValue(tags: readonly Tag[], key: string): string | undefined {
  return tags.find((t) => t[0] === key)?.[1];
}

/** Makes a tag pair; a shared maker gives the same (never changed) array for the same key and value. */
export type PairMaker = (key: string, value: string) => Tag;

const freshPair: PairMaker = (key, value) => [key, value];

/**
 * A maker that shares pairs: the streams of a workspace then share their workspace, source and
 * destination type pairs instead of holding six pair arrays per connection for the whole run.
 */
export function sharedPairs(): PairMaker {
  const pairs = new Map<string, Tag>();
  return (key, value) => {
    const id = `${key}\u0000${value}`;
    let pair = pairs.get(id);
    if (!pair) {
      pair = [key, value];
      pairs.set(id, pair);
    }
    return pair;
  };
}

export function workspaceTags(workspaceSlug: string, extra: readonly Tag[]): Tag[] {
  return [["workspace", workspaceSlug], ...extra];
}

export function sourceTags(
  workspaceSlug: string,
  source: SourceRef,
  extra: readonly Tag[],
  pair: PairMaker = freshPair,
): Tag[] {
  return [
    pair("workspace", workspaceSlug),
    pair("source_slug", firstNonEmpty(source.slug, source.id)),
    pair("source_id", source.id),
    ...extra,
  ];
}

/** How people read a destination: its name, else its catalog name (design §5's tag rule). */
export function destinationName(destination: DestinationRef): string {
  return firstNonEmpty(destination.name, destination.catalogName, destination.catalogSlug, destination.id);
}

export function connectionTags(
  workspaceSlug: string,
  source: SourceRef,
  destination: DestinationRef,
  extra: readonly Tag[],
  pair: PairMaker = freshPair,
): Tag[] {
  return [
    ...sourceTags(workspaceSlug, source, [], pair),
    // A destination whose name is empty is tagged with its catalog name (design §5).
    ["destination", destinationName(destination)],
    ["destination_id", destination.id],
    pair("destination_type", firstNonEmpty(destination.catalogSlug, destination.catalogName)),
    ...extra,
  ];
}
