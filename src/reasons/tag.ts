// The `reason` tag value of a Segment discard code (design §5, Error details and The pipeline): one
// normalisation for every step that has reasons, so the same code is the same tag everywhere.

export const REASON_MAX_LENGTH = 64;
const REASON_CHARS = /^[a-z0-9_.-]+$/;

/**
 * Lowercased, since Datadog lowercases tags and `ETIMEDOUT` and `etimedout` must be summed by us
 * rather than overwrite each other; empty (or not grouped) → `unknown`; too long or holding anything
 * outside `[a-z0-9_.-]` → `other`, so that a free text message cannot mint one tag value per variant.
 */
export function reasonTag(code: string | null | undefined): string {
  const lower = (code ?? "").toLowerCase();
  if (lower === "") return "unknown";
  if (lower.length > REASON_MAX_LENGTH || !REASON_CHARS.test(lower)) return "other";
  return lower;
}
