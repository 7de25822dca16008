// The default series prefix (design §5): distinct from `segment.*`, which Datadog's own Segment integration owns.
export const DEFAULT_PREFIX = "segment_exporter";

/** prefix → suffix → `<prefix>.<suffix>`: a run makes the same few names for every point it maps. */
const names = new Map<string, Map<string, string>>();

/**
 * The series name `<prefix>.<suffix>`, one string per name for the whole run: a batch of 40 000
 * points held a copy of its name per series, and every point mapped made one.
 */
export function seriesName(prefix: string, suffix: string): string {
  let byPrefix = names.get(prefix);
  if (!byPrefix) {
    byPrefix = new Map();
    names.set(prefix, byPrefix);
  }
  let name = byPrefix.get(suffix);
  if (name === undefined) {
    name = `${prefix}.${suffix}`;
    byPrefix.set(suffix, name);
  }
  return name;
}
