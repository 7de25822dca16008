// Metric-name and tag normalisation as the Datadog backend applies it before a point gets its
// identity (reference §4.3, §4.4). Pure functions: the store and the tests share them.

const MAX_TAG_LENGTH = 200;

/**
 * §4.3, mirroring the backend code quoted by Datadog's integration tooling: runs of invalid
 * characters and any leading non-letters become `_`, `_*._*` collapses to `.`, outer `_` go.
 * Case is kept (names are case sensitive).
 */
export function normalizeMetricName(name: string): string {
  return name
    .replace(/([^a-zA-Z0-9_.]+)|(^[^a-zA-Z]+)/g, "_")
    .replace(/_*\._*/g, ".")
    .replace(/^_+|_+$/g, "");
}

/**
 * §4.4. Lowercased except the value of `host:`/`device:` tags; characters other than letters,
 * digits, `_ - : . /` become `_` (a run of them one `_`, as the Agent's normaliser does); leading
 * non-letters are dropped because a tag must start with a letter; trailing `:` and `_` are dropped;
 * at most 200 characters. Returns undefined when nothing is left.
 */
export function normalizeTag(tag: string): string | undefined {
  const colon = tag.indexOf(":");
  const key = colon === -1 ? tag : tag.slice(0, colon);
  const keepsCase = colon !== -1 && /^(host|device)$/i.test(key);
  const cased = keepsCase ? `${key.toLowerCase()}${tag.slice(colon)}` : tag.toLowerCase();
  const normalized = cased
    .replace(/[^\p{L}\p{N}_\-:./]+/gu, "_")
    .replace(/^[^\p{L}]+/u, "")
    .slice(0, MAX_TAG_LENGTH)
    .replace(/[:_]+$/, "");
  return normalized === "" ? undefined : normalized;
}

/** Normalised, de-duplicated and sorted: a tag set's identity ignores order and repeats. */
export function normalizeTags(tags: readonly string[]): string[] {
  const out = new Set<string>();
  for (const tag of tags) {
    const normalized = normalizeTag(tag);
    if (normalized !== undefined) out.add(normalized);
  }
  return [...out].sort();
}
