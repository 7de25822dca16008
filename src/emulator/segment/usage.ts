// Daily usage (MTU and API calls), cumulative within the UTC month. Counts are bigints because
// the API sends them as strings and one source deliberately exceeds 2^53.
import type { WorkspaceFixture } from "./fixture.js";
import { hashString, mix, unit } from "./hash.js";

export const DAY_MS = 86_400_000;

export interface MtuCounts {
  anonymous: bigint;
  anonymousIdentified: bigint;
  identified: bigint;
  neverIdentified: bigint;
}

export interface UsageRow {
  /** YYYY-MM-DD (UTC) of the day the cumulative value is for. */
  day: string;
  dayStartMs: number;
  mtu: MtuCounts;
  apiCalls: bigint;
}

export interface SourceUsageRow extends UsageRow {
  sourceId: string;
}

export interface DailyUsage {
  period: string;
  periodStartMs: number;
  periodEndMs: number;
  /** Day-major, then in fixture source order. */
  sources: SourceUsageRow[];
  workspace: UsageRow[];
}

const MTU_FIELDS = ["anonymous", "anonymousIdentified", "identified", "neverIdentified"] as const;

/** The month [start, end) named by a period `YYYY-MM-01`; undefined for anything else. */
export function parsePeriod(period: string): { startMs: number; endMs: number } | undefined {
  const match = /^(\d{4})-(\d{2})-01$/.exec(period);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]) - 1;
  if (month < 0 || month > 11) return undefined;
  return { startMs: Date.UTC(year, month, 1), endMs: Date.UTC(year, month + 1, 1) };
}

function zero(): MtuCounts {
  return { anonymous: 0n, anonymousIdentified: 0n, identified: 0n, neverIdentified: 0n };
}

/** One source's usage increment for one whole day; users are counted once a month, so increments shrink. */
function dayIncrement(seed: number, sourceId: string, huge: boolean, dayStartMs: number, dayOfMonth: number) {
  const base = hashString(sourceId, mix(seed, 3));
  const h = mix(base, dayStartMs / DAY_MS);
  const size = 200 + unit(mix(base, 1)) * 5000;
  const decay = 1 / (1 + dayOfMonth * 0.15);
  const mtu: MtuCounts = zero();
  MTU_FIELDS.forEach((field, i) => {
    const share = [2, 0.3, 1, 1.2][i] as number;
    mtu[field] = BigInt(Math.floor(size * share * decay * (0.6 + 0.8 * unit(mix(h, i)))));
  });
  const apiCalls = huge
    ? 2n ** 55n + BigInt(Math.floor(unit(mix(h, 9)) * 2 ** 40))
    : BigInt(Math.floor(size * (40 + 60 * unit(mix(h, 9)))));
  return { mtu, apiCalls };
}

function scaled(value: bigint, fraction: number): bigint {
  return fraction >= 1 ? value : (value * BigInt(Math.floor(fraction * 1_000_000))) / 1_000_000n;
}

export function computeDailyUsage(fixture: WorkspaceFixture, period: string, atMs: number): DailyUsage {
  const month = parsePeriod(period);
  if (!month) throw new Error(`period must be the first day of a month (YYYY-MM-01), got ${period}`);
  const out: DailyUsage = {
    period,
    periodStartMs: month.startMs,
    periodEndMs: month.endMs,
    sources: [],
    workspace: [],
  };
  const running = fixture.sources.map(() => ({ mtu: zero(), apiCalls: 0n }));
  for (let day = month.startMs, n = 0; day < month.endMs && day <= atMs; day += DAY_MS, n++) {
    const dayName = new Date(day).toISOString().slice(0, 10);
    // The current day grows through the day, from a quarter of its increment (so a row is never
    // empty and the huge source is above 2^53 from the first second) to all of it.
    const fraction = Math.min(1, 0.25 + (0.75 * (atMs - day)) / DAY_MS);
    const total = { mtu: zero(), apiCalls: 0n };
    fixture.sources.forEach((src, i) => {
      const acc = running[i] as { mtu: MtuCounts; apiCalls: bigint };
      const inc = dayIncrement(fixture.seed, src.id, src.hugeApiCalls === true, day, n);
      const row: SourceUsageRow = { sourceId: src.id, day: dayName, dayStartMs: day, mtu: zero(), apiCalls: 0n };
      for (const f of MTU_FIELDS) {
        row.mtu[f] = acc.mtu[f] + scaled(inc.mtu[f], fraction);
        total.mtu[f] += row.mtu[f];
      }
      row.apiCalls = acc.apiCalls + scaled(inc.apiCalls, fraction);
      total.apiCalls += row.apiCalls;
      if (fraction >= 1) {
        acc.mtu = { ...row.mtu };
        acc.apiCalls = row.apiCalls;
      }
      out.sources.push(row);
    });
    // Deliberately not the sum over sources: users overlap across sources (MTU ~90% of the sum),
    // and some calls are not attributed to any current source (API calls ~103% of the sum).
    const ws: UsageRow = {
      day: dayName,
      dayStartMs: day,
      mtu: zero(),
      apiCalls: total.apiCalls + (total.apiCalls * 3n) / 100n,
    };
    for (const f of MTU_FIELDS) ws.mtu[f] = (total.mtu[f] * 9n) / 10n;
    out.workspace.push(ws);
  }
  return out;
}
