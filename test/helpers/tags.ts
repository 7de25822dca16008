// Tags written as Datadog writes them (`k:v`), turned into the pipeline's key/value pairs.
import { tagPair, tagString } from "../../src/mapping/tags.js";
import type { Tag } from "../../src/mapping/types.js";

export const kv = (...tags: string[]): Tag[] => tags.map(tagPair);

/** The other way round, for assertions written as Datadog tags. */
export const strings = (tags: readonly Tag[]): string[] => tags.map(tagString);
