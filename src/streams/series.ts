// The series the enabled kinds emit: what dashboards, monitors and Datadog's historical check query,
// taken from the kinds themselves (never a copied list).
import type { KindOptions, SeriesSpec, StreamKind } from "./types.js";

export interface NamedSeries extends SeriesSpec {
  /** `<prefix>.<suffix>`. */
  name: string;
  kindName: string;
}

export function seriesOf(
  kinds: readonly StreamKind[],
  options: Pick<KindOptions, "prefix" | "eventsGroupBy">,
): NamedSeries[] {
  return kinds.flatMap((k) =>
    k.series(options).map((s) => ({ ...s, name: `${options.prefix}.${s.suffix}`, kindName: k.name })),
  );
}

/** Series stamped at bucket starts (old timestamps), of the kinds the run reads. */
export function bucketSeries(kinds: readonly StreamKind[], options: KindOptions): string[] {
  return seriesOf(
    kinds.filter((k) => k.stamp === "bucket" && k.enabled(options)),
    options,
  ).map((s) => s.name);
}
