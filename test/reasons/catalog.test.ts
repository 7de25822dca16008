import { describe, expect, it } from "vitest";
import {
  DISCARD_REASONS,
  FILTERED_AT_DESTINATION,
  FILTERED_AT_SOURCE,
  INGEST_FAILED,
} from "../../src/emulator/segment/index.js";
import { reasonTag as mappingReasonTag } from "../../src/mapping/failures.js";
import { describeReason, REASON_CATALOG } from "../../src/reasons/catalog.js";
import { REASON_MAX_LENGTH, reasonTag } from "../../src/reasons/tag.js";

describe("reasonTag", () => {
  it("is the one the failures mapping uses", () => {
    expect(mappingReasonTag).toBe(reasonTag);
    expect(REASON_MAX_LENGTH).toBe(64);
  });

  it.each([
    ["EMPTY_BATCH", "empty_batch"],
    ["empty_batch", "empty_batch"],
    ["", "unknown"],
    ["Message exceeds maximum size of 32KB", "other"],
    ["schema_violation.properties.checkout_step_completed.revenue.expected_number", "other"],
  ])("normalises the pipeline's codes as the failures': %j → %s", (code, tag) => {
    expect(reasonTag(code)).toBe(tag);
  });
});

describe("the reason catalog", () => {
  it("is keyed by tags, one short line per entry", () => {
    expect(REASON_CATALOG.size).toBeGreaterThan(50);
    for (const [tag, entry] of REASON_CATALOG) {
      expect(reasonTag(tag), tag).toBe(tag); // a key no code could ever normalise to would be dead
      expect(entry.label.trim(), tag).not.toBe("");
      expect(entry.description, tag).toMatch(/^[A-Z][^\n]*\.$/);
      expect(entry.description.length, tag).toBeLessThanOrEqual(110);
      expect([true, false, "sometimes"]).toContain(entry.retried);
    }
  });

  it.each([
    ["400", "400 Bad Request", false],
    ["401", "401 Unauthorized", false],
    ["403", "403 Forbidden", false],
    ["404", "404 Not Found", false],
    ["408", "408 Request Timeout", true],
    ["413", "413 Payload Too Large", false],
    ["429", "429 Too Many Requests", true],
    ["500", "500 Internal Server Error", true],
    ["502", "502 Bad Gateway", true],
    ["503", "503 Service Unavailable", true],
    ["504", "504 Gateway Timeout", true],
    ["307", "307 Temporary Redirect", true],
  ])("names HTTP status %s and says whether Segment retries it", (tag, label, retried) => {
    expect(describeReason(tag)).toMatchObject({ label, retried });
  });

  it("says Segment retries 5xx, 429 and network errors, and not other 4xx", () => {
    for (const [tag, entry] of REASON_CATALOG) {
      if (/^5\d\d$/.test(tag) || tag === "429") expect(entry.retried, tag).toBe(true);
      else if (/^4\d\d$/.test(tag) && tag !== "408") expect(entry.retried, tag).toBe(false);
    }
    for (const code of ["ETIMEDOUT", "ECONNRESET", "ECONNREFUSED", "ENOTFOUND", "EREFUSED", "EAI_AGAIN"]) {
      expect(describeReason(code), code).toMatchObject({ label: code, retried: true });
    }
  });

  it("describes Segment's verdicts, ingest and filter codes; filters are never retried", () => {
    expect(describeReason("INVALID_SETTINGS")).toMatchObject({ label: "Invalid settings", retried: false });
    expect(describeReason("MESSAGE_REJECTED")?.retried).toBe(false);
    expect(describeReason("RETRY")?.retried).toBe(true);
    expect(describeReason("INTERNAL")?.retried).toBe("sometimes");
    expect(describeReason("no_user_anon_id")).toMatchObject({ label: "No identifier", retried: false });
    for (const { reason } of [...FILTERED_AT_SOURCE.pool, ...FILTERED_AT_DESTINATION.pool]) {
      const entry = describeReason(reason);
      if (reasonTag(reason) === "unknown" || reasonTag(reason) === "other") continue;
      expect(entry?.retried, reason).toBe(false);
    }
  });

  it("knows every code the emulated workspace reports, the malformed ones through unknown and other", () => {
    const codes = [
      ...DISCARD_REASONS,
      "ETIMEDOUT",
      "etimedout",
      ...[INGEST_FAILED, FILTERED_AT_SOURCE, FILTERED_AT_DESTINATION].flatMap((m) => m.pool.map((p) => p.reason)),
    ];
    for (const code of codes) expect(describeReason(code), JSON.stringify(code)).toBeDefined();
    expect(describeReason("")).toBe(REASON_CATALOG.get("unknown"));
    expect(describeReason(null)).toBe(REASON_CATALOG.get("unknown"));
    expect(describeReason("Message exceeds maximum size of 32KB")).toBe(REASON_CATALOG.get("other"));
    expect(describeReason("x".repeat(65))).toBe(REASON_CATALOG.get("other"));
  });

  it("takes a raw code or its tag alike, and knows nothing of codes it does not list", () => {
    expect(describeReason("ETIMEDOUT")).toBe(describeReason("etimedout"));
    expect(describeReason("BAD_REQUEST")).toBe(describeReason("bad_request"));
    expect(describeReason("successes.attempt.1")).toBeUndefined();
    expect(describeReason("E_SOMETHING_NEW")).toBeUndefined();
  });

  it("cannot be changed by a caller", () => {
    const entry = describeReason("429");
    expect(Object.isFrozen(entry)).toBe(true);
  });
});
