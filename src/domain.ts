// Domain types shared by planning, mapping and configuration: a leaf module, so plan/ and mapping/
// depend on no configuration code (design §3: modules import downwards only).

/** Shard i (0-based) of n: which connections a process takes (design §6). */
export interface Shard {
  index: number;
  count: number;
}

/** `check` thresholds (and the monitors' defaults). */
export interface Thresholds {
  minSuccessRate?: number | undefined;
  maxP95Ms?: number | undefined;
  minEvents?: number | undefined;
}
