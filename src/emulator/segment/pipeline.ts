// Ground truth of the first four Delivery Overview steps (reference §3.G): successfully received,
// failed on ingest and filtered at source per source, filtered at destination per connection.
//
// How the steps relate in this model (a choice; Segment documents no arithmetic between them):
// - received = the source's event volume, minute by minute: the events Segment ingested.
// - failed on ingest: events that arrived but failed validation; they are NOT in received nor in the
//   event volume (received + ingest failures = what the source sent). A small share of received, with
//   rare bursts (a bad release), so it never exceeds a few times the usual rate.
// - filtered at source (schema settings, Protocols): a subset of received, so <= received per minute.
// - what reaches a destination = received - filtered at source, per minute; filtered at destination
//   (destination filters, integrations object, mappings) <= that, per connection and minute.
// - delivery (summary, failed delivery) stays the independent per-connection model of truth.ts: it is
//   counted per delivery, and one event can become several deliveries (an Actions destination with
//   several mappings; Segment's own docs show more events synced than received), so it is not bounded
//   by what reaches the destination, and its numbers are unchanged by this model.
// The inequalities hold at every as-of time: received is complete once its minute has ended, and the
// other steps only grow as late counts become visible (so a visible count <= its final count).
//
// Late data: a share of each reason step's counts becomes visible only after a delay (source-function
// retries at ingest, destination insert functions retried before they drop an event), drawn as the
// late discards of failed delivery are, up to the same longest retry delay.
import { mulberry32 } from "../faults.js";
import { pushVisible, type ReasonCount, splitReasons, visibilityDelays, type WeightedReason } from "./draws.js";
import { mix, unit } from "./hash.js";

const MINUTE_MS = 60_000;

/** One reason step: its codes (as Segment spells them, weighted) and how its counts show up. */
export interface ReasonStepModel {
  pool: readonly WeightedReason[];
  /** Share of the counts that become visible only after a delay. */
  lateShare: number;
  /** Stream salts: which reasons a minute's count splits into, and when each unit is visible. */
  splitSalt: number;
  delaySalt: number;
}

/**
 * Codes from Segment's discard table (segment-docs, delivery-overview-discards), plus the malformed
 * ones a client must normalise: `EMPTY_BATCH` beside `empty_batch` (Segment's table has such pairs,
 * e.g. `bad_request`/`BAD_REQUEST`, which are here too), an empty code, and a free-text message.
 */
export const INGEST_FAILED: ReasonStepModel = {
  pool: [
    { reason: "no_user_anon_id", weight: 5 },
    { reason: "event_not_defined", weight: 2.5 },
    { reason: "empty_batch", weight: 1.5 },
    { reason: "EMPTY_BATCH", weight: 1 },
    { reason: "properties_not_object", weight: 1 },
    { reason: "id_not_string", weight: 1 },
    { reason: "bad_request", weight: 1 },
    { reason: "BAD_REQUEST", weight: 1 },
    { reason: "", weight: 0.6 },
    { reason: "Message exceeds maximum size of 32KB", weight: 0.6 },
  ],
  lateShare: 0.1,
  splitSalt: 0x16e5a17,
  delaySalt: 0x16e5de1,
};

/** Protocols and schema codes; one longer than 64 characters (normalised to `other`). */
export const FILTERED_AT_SOURCE: ReasonStepModel = {
  pool: [
    { reason: "unplanned", weight: 4 },
    { reason: "schema_violation", weight: 3 },
    { reason: "event_setting", weight: 2 },
    { reason: "common_schema_violation", weight: 1 },
    { reason: "unplanned_and_schema_violation", weight: 1 },
    { reason: "schema_violation.properties.checkout_step_completed.revenue.expected_number", weight: 0.6 },
  ],
  lateShare: 0.05,
  splitSalt: 0x5f17a17,
  delaySalt: 0x5f17de1,
};

/** Destination filters, integrations object, mappings, consent; both cases of one code; an empty code. */
export const FILTERED_AT_DESTINATION: ReasonStepModel = {
  pool: [
    { reason: "FILTERED_BY_RULES", weight: 4 },
    { reason: "NO_MATCHING_MAPPING", weight: 2 },
    { reason: "FILTERED_BY_INTEGRATIONS_OBJECT", weight: 2 },
    { reason: "FILTERED_AT_MAPPING", weight: 1 },
    { reason: "MESSAGE_SENT_CLIENT_SIDE", weight: 1 },
    { reason: "UNSUPPORTED_EVENT_TYPE", weight: 1 },
    { reason: "unsupported_event_type", weight: 0.6 },
    { reason: "DROP_EVENT", weight: 1 },
    { reason: "FILTERED_BY_END_USER_CONSENT", weight: 0.6 },
    { reason: "", weight: 0.6 },
  ],
  lateShare: 0.2,
  splitSalt: 0xd17a17,
  delaySalt: 0xd17de1,
};

/** Ingest failures and source filters of one source minute with `received` events. */
export function sourceMinute(key: number, minute: number, received: number) {
  const ingestRate = 0.004 + 0.02 * unit(mix(key, 0x16e5));
  const filterRate = 0.01 + 0.06 * unit(mix(key, 0xf17e));
  const rng = mulberry32(mix(key, minute));
  const burst = rng() < 0.02 ? 6 : 1;
  const ingestFailed = Math.floor(received * ingestRate * burst * (0.5 + rng()) + rng());
  const filteredAtSource = Math.min(received, Math.floor(received * filterRate * (0.5 + rng()) + rng()));
  return { ingestFailed, filteredAtSource };
}

/** Events of one connection minute filtered at the destination, out of the `reaching` ones. */
export function destinationMinute(key: number, minute: number, reaching: number): number {
  const rate = 0.02 + 0.12 * unit(mix(key, 0xde57));
  const rng = mulberry32(mix(key, minute));
  return Math.min(reaching, Math.floor(reaching * rate * (0.5 + rng()) + rng()));
}

/** Each entity leans on a reason of its own: one code of the pool weighs three times more. */
function poolFor(model: ReasonStepModel, key: number): WeightedReason[] {
  const main = Math.floor(unit(mix(key, model.splitSalt)) * model.pool.length);
  return model.pool.map((r, i) => (i === main ? { reason: r.reason, weight: r.weight * 3 } : r));
}

/**
 * Counts by reason of one step of one entity (`key`), per minute m with startMs <= m < endMs that has
 * ended by atMs: `total(i)` is the final count of epoch minute i, split over reasons, each unit
 * counted once visible.
 */
export function countsByReason(
  model: ReasonStepModel,
  key: number,
  range: { startMs: number; endMs: number; atMs: number; maxDelayMs: number },
  total: (minute: number) => number,
): ReasonCount[] {
  const out: ReasonCount[] = [];
  const pool = poolFor(model, key);
  const stop = Math.min(Math.ceil(range.endMs / MINUTE_MS), Math.floor(range.atMs / MINUTE_MS));
  for (let i = Math.ceil(range.startMs / MINUTE_MS); i < stop; i++) {
    const n = total(i);
    if (n === 0) continue;
    const split = splitReasons(pool, mulberry32(mix(key ^ model.splitSalt, i)), n);
    const delays = visibilityDelays(key ^ model.delaySalt, i, n, model.lateShare, range.maxDelayMs);
    pushVisible(out, i * MINUTE_MS, split, delays, range.atMs, MINUTE_MS);
  }
  return out;
}
