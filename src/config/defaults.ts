// Defaults that `--help` shows: kept in a module with no dependencies, so printing help loads nothing.

/** Design §5: `export` is a cron job and must end before the next tick; backfill has no default. */
export const DEFAULT_EXPORT_MAX_DURATION = "10m";
