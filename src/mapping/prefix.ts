// The default series prefix (design §5): distinct from `segment.*`, which Datadog's own Segment integration owns.
export const DEFAULT_PREFIX = "segment_exporter";
