// Which metric names have Historical Metrics Ingestion enabled (§4.6): exact names (as the API
// creates them) and namespace prefixes (as the UI's bulk "metric-name prefix" does).
import { normalizeMetricName } from "./normalize.js";

export class HistoricalConfig {
  private readonly names = new Map<string, Date>();
  private readonly prefixes = new Map<string, Date>();

  /** `name`, `prefix.*` (everything under `prefix.`) or `*` (every metric). */
  enable(nameOrPrefix: string, at: Date = new Date()): "created" | "exists" {
    const isPrefix = nameOrPrefix === "*" || nameOrPrefix.endsWith(".*");
    const map = isPrefix ? this.prefixes : this.names;
    const key = isPrefix ? nameOrPrefix.slice(0, -1) : normalizeMetricName(nameOrPrefix);
    if (map.has(key)) return "exists";
    map.set(key, at);
    return "created";
  }

  /** Only exact names: a prefix configured at start-up is not removed by deleting one metric. */
  disable(name: string): void {
    this.names.delete(normalizeMetricName(name));
  }

  /** When ingestion was enabled for `metric` (a normalised name), or undefined when it is not. */
  enabledAt(metric: string): Date | undefined {
    const exact = this.names.get(metric);
    if (exact) return exact;
    for (const [prefix, at] of this.prefixes) if (metric.startsWith(prefix)) return at;
    return undefined;
  }
}
