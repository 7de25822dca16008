// Defaults that `--help` shows: kept in a module with no dependencies, so printing help loads nothing.

/** Design §5: `export` is a cron job and must end before the next tick; backfill has no default. */
export const DEFAULT_EXPORT_MAX_DURATION = "10m";

/** `check` fails and the monitors alert below this success rate (design §5: one default for both). */
export const DEFAULT_MIN_SUCCESS_RATE = 0.99;
/** …and above this p95 time to success. */
export const DEFAULT_MAX_P95 = "60s";
export const DEFAULT_MAX_P95_MS = 60_000;
