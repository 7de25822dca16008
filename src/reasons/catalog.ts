// What a discard reason means (design §5, Reason descriptions): a label, one line of meaning and
// whether Segment retries it, for the codes Segment's Delivery Overview commonly reports. Keys are
// reason tags (tag.ts), so `ETIMEDOUT` and `etimedout` share one entry, and so do codes Segment
// spells in both cases at different steps (`BAD_REQUEST` at delivery, `bad_request` at ingest).
//
// Sources: Segment's discard table (segment-docs `delivery-overview-discards.html`) for the codes and
// their meaning; Segment's Integration Error Codes page for what it retries (429, 5xx and connection
// errors are "awaiting-retry"; 400, 401, 403, INVALID_SETTINGS, MESSAGE_REJECTED are "discarded");
// Twilio's support note on Segment's retry logic for 408 (a 4xx it retries). Where a code means
// different things at different steps (INTERNAL), `retried` is "sometimes". Filters are decisions,
// not failures: never retried. Descriptions claim nothing beyond those sources and what the HTTP
// statuses and network error names mean.
import { STATUS_CODES } from "node:http";
import { reasonTag } from "./tag.js";

export type Retried = boolean | "sometimes";

export interface ReasonDescription {
  readonly label: string;
  /** One line. */
  readonly description: string;
  /** Whether Segment retries an event that hit this reason. */
  readonly retried: Retried;
}

type Entry = readonly [tag: string, label: string, description: string, retried: Retried];

const NORMALISATION: readonly Entry[] = [
  ["unknown", "Unknown", "Segment gave no reason code; the exporter tags an empty code unknown.", "sometimes"],
  [
    "other",
    "Other",
    "A code over 64 characters or with characters besides a-z, 0-9, _ . - (e.g. a message); grouped as other.",
    "sometimes",
  ],
];

// HTTP statuses a destination answered; labelled with Node's own status names.
const HTTP: readonly Entry[] = (
  [
    [307, "The destination redirected the request; Segment retries at the new URL.", true],
    [400, "The destination's API rejected the payload as invalid.", false],
    [401, "The destination refused the credentials in its settings (invalid or expired).", false],
    [403, "The destination's credentials no longer have access to its API.", false],
    [404, "The destination's API could not find the requested resource.", false],
    [408, "The destination timed out waiting for the request.", true],
    [413, "The event or batch is larger than the destination accepts.", false],
    [422, "The destination understood the request but refused its content.", false],
    [429, "The destination's rate limit was hit; Segment retries with backoff.", true],
    [500, "The destination's API failed on its side.", true],
    [502, "A gateway in front of the destination got an invalid answer from it.", true],
    [503, "The destination is overloaded or down.", true],
    [504, "A gateway in front of the destination timed out waiting for it.", true],
  ] as const
).map(([status, description, retried]) => [String(status), `${status} ${STATUS_CODES[status]}`, description, retried]);

const NETWORK: readonly Entry[] = [
  ["etimedout", "ETIMEDOUT", "The destination did not answer in time.", true],
  ["econnreset", "ECONNRESET", "The destination's server closed the connection during the request.", true],
  ["econnrefused", "ECONNREFUSED", "The destination's server refused the connection.", true],
  ["econnaborted", "ECONNABORTED", "The connection to the destination was aborted.", true],
  ["ehostunreach", "EHOSTUNREACH", "No network route to the destination's host.", true],
  ["enotfound", "ENOTFOUND", "The destination's host name did not resolve; check the URL in its settings.", true],
  ["erefused", "EREFUSED", "The DNS server refused to resolve the destination's host.", true],
  ["eai_again", "EAI_AGAIN", "A temporary DNS failure while resolving the destination's host.", true],
];

const SEGMENT_VERDICTS: readonly Entry[] = [
  [
    "invalid_settings",
    "Invalid settings",
    "Settings the destination (or function) needs are missing or invalid.",
    false,
  ],
  [
    "unsupported_event_type",
    "Unsupported event type",
    "The destination (or function) does not take this event type.",
    false,
  ],
  ["message_rejected", "Message rejected", "The event lacks fields the destination (or function) requires.", false],
  ["bad_request", "Bad request", "The payload was malformed: wrong content type or undecodable body.", false],
  [
    "internal",
    "Internal error",
    "An error inside Segment or a function; retried at delivery, not at ingest.",
    "sometimes",
  ],
  ["retry", "Retry", "A temporary failure; Segment sends the event again.", true],
  ["expires", "Expired", "The event still failed when Segment's retry period ended.", false],
];

const INGEST: readonly Entry[] = [
  ["no_user_anon_id", "No identifier", "The event had neither a userId nor an anonymousId.", false],
  ["id_required", "Identifier required", "The event needs a userId or an anonymousId.", false],
  ["id_not_string", "Identifier not a string", "The userId or anonymousId is empty or not a string.", false],
  ["empty_batch", "Empty batch", "The batch request held no events.", false],
  ["empty_batch_result", "Empty batch result", "No events of the batch were left after processing.", false],
  [
    "multi_user_error",
    "Batch partly invalid",
    "Some events of the batch were invalid; only valid ones were kept.",
    false,
  ],
  ["event_not_defined", "Event not defined", "A track call without an event name.", false],
  ["event_not_string", "Event not a string", "A track call whose event name is not a string.", false],
  ["properties_not_object", "Properties not an object", "The properties field is not a JSON object.", false],
  ["traits_not_object", "Traits not an object", "The traits field is not a JSON object.", false],
  ["name_not_string", "Name not a string", "A page or screen call whose name is empty or not a string.", false],
  ["invalid_type", "Invalid event type", "The type is not track, page, screen, identify, alias or group.", false],
  ["missing_type", "Missing event type", "The event has no type.", false],
  ["project_not_found", "Source not found", "The write key matches no source.", false],
  ["unknown_source", "Unknown source", "No source matches the write key.", false],
  ["source_disabled", "Source disabled", "The source is disabled in Segment.", false],
];

const FILTERS: readonly Entry[] = [
  [
    "unplanned",
    "Unplanned event",
    "Blocked by the source's schema controls: the event is not in the Tracking Plan.",
    false,
  ],
  ["schema_violation", "Schema violation", "Blocked: the event violates its Tracking Plan JSON schema.", false],
  [
    "common_schema_violation",
    "Common schema violation",
    "Blocked: the event violates the Tracking Plan's common JSON schema.",
    false,
  ],
  [
    "unplanned_and_schema_violation",
    "Unplanned and schema violation",
    "Blocked: the event is not in the Tracking Plan and violates its schema.",
    false,
  ],
  ["event_setting", "Event discard setting", "The source's schema settings discard events of this kind.", false],
  ["filtered_by_rules", "Destination filter", "Dropped by a Destination Filter rule.", false],
  [
    "filtered_by_integrations_object",
    "Integrations object",
    "The event's integrations object turned this destination off.",
    false,
  ],
  [
    "unknown_integration",
    "Unknown integration",
    "The integrations object names a destination that does not exist.",
    false,
  ],
  [
    "message_sent_client_side",
    "Sent client side",
    "The device sends this event to the destination itself (device mode).",
    false,
  ],
  [
    "no_matching_mapping",
    "No matching mapping",
    "No mapping of the Actions destination has a trigger for the event.",
    false,
  ],
  ["filtered_at_mapping", "Filtered at mapping", "The event did not match the Actions destination's mapping.", false],
  ["no_enabled_destinations", "No enabled destination", "The source has no enabled destination.", false],
  ["drop_event", "Dropped by insert function", "A destination insert function dropped the event on purpose.", false],
  [
    "filtered_by_end_user_consent",
    "End-user consent",
    "The user's consent preferences exclude this destination.",
    false,
  ],
];

/** Every described reason tag, in the order above (normalisation, HTTP, network, verdicts, ingest, filters). */
export const REASON_CATALOG: ReadonlyMap<string, ReasonDescription> = new Map(
  [...NORMALISATION, ...HTTP, ...NETWORK, ...SEGMENT_VERDICTS, ...INGEST, ...FILTERS].map(
    ([tag, label, description, retried]) => [tag, Object.freeze({ label, description, retried })],
  ),
);

/**
 * The description of a reason tag, or of a raw code (normalised first, so `ETIMEDOUT`, `etimedout` and
 * the tag agree); undefined for a code the catalog does not know.
 */
export function describeReason(tagOrCode: string | null | undefined): ReasonDescription | undefined {
  return REASON_CATALOG.get(reasonTag(tagOrCode));
}
