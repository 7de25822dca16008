// What `check` prints: network text made harmless, relative times, the Error Details section, JUnit.
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { relativeTime, renderErrorDetails } from "../../src/check/error-details.js";
import { junitXml } from "../../src/check/junit.js";
import type { CheckReport, ConnectionResult } from "../../src/check/report.js";
import { renderTable } from "../../src/table.js";
import { terminalSafe } from "../../src/terminal.js";

const TO = Date.UTC(2026, 10, 25, 10, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

function connection(over: Partial<ConnectionResult> = {}): ConnectionResult {
  return {
    workspace: "ws",
    source: "web",
    sourceId: "src1",
    destination: "Mixpanel",
    destinationId: "dst1",
    numbers: { successes: 10, discarded: 5, expired: 0, p95Ms: 100, trend: [1, 2, 3, 4] },
    ok: true,
    failures: [],
    ...over,
  } as ConnectionResult;
}

describe("terminalSafe", () => {
  it.each([
    ["plain → text", "plain → text"],
    ["a\u001b[2Jb", "a\\u{1b}[2Jb"],
    ["bell\u0007", "bell\\u{7}"],
    ["nl\nret\r", "nl\\u{a}ret\\u{d}"],
    ["del\u007f c1\u009b", "del\\u{7f} c1\\u{9b}"],
    ["rtl\u202eevil", "rtl\\u{202e}evil"],
  ])("%j → %j", (input, expected) => {
    expect(terminalSafe(input)).toBe(expected);
  });

  it("is applied to every table cell", () => {
    expect(renderTable(["A"], [["x\u001by"]])).toBe("A\nx\\u{1b}y\n");
  });
});

describe("relativeTime", () => {
  it.each([
    [TO, "0s ago"],
    [TO - 59_000, "59s ago"],
    [TO - 60_000, "1m ago"],
    [TO - 59 * 60_000, "59m ago"],
    [TO - 3_600_000, "1h ago"],
    [TO - 47 * 3_600_000, "47h ago"],
    [TO - 48 * 3_600_000, "2d ago"],
  ])("%s", (at, expected) => {
    expect(relativeTime(iso(at), TO)).toBe(expected);
  });
});

describe("renderErrorDetails", () => {
  it("shows a known code with its label from the catalog", () => {
    const text = renderErrorDetails(
      [connection({ errors: [{ reason: "429", count: 3, description: "x", lastSeen: iso(TO) }] })],
      TO,
    );
    expect(text).toMatch(/^web → Mixpanel\s+429 Too Many Requests\s+3\s+/m);
    const etimedout = renderErrorDetails(
      [connection({ errors: [{ reason: "etimedout", count: 1, description: "x", lastSeen: iso(TO) }] })],
      TO,
    );
    // Network error names are their own label; a code the catalog does not know is shown as it is.
    expect(etimedout).toMatch(/^web → Mixpanel\s+ETIMEDOUT\s+1\s+/m);
    const unknown = renderErrorDetails(
      [connection({ errors: [{ reason: "some_new_code", count: 1, description: null, lastSeen: iso(TO) }] })],
      TO,
    );
    expect(unknown).toMatch(/^web → Mixpanel\s+some_new_code\s+1\s+/m);
  });

  const errors = Array.from({ length: 7 }, (_, i) => ({
    reason: `r${i}`,
    count: 70 - i,
    description: null,
    lastSeen: iso(TO - i * 60_000),
  }));

  it("shows up to five reasons per connection, with count and last seen", () => {
    const text = renderErrorDetails([connection({ errors }), connection({ destination: "GA4", errors: [] })], TO);
    const rows = text.split("\n").filter((l) => l.startsWith("web → "));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^web → Mixpanel\s+r0\s+70\s+0s ago \(2026-11-25T10:00:00Z\)$/);
    expect(rows[4]).toMatch(/r4\s+66\s+4m ago/);
  });

  it("says when nothing failed, and prints nothing when no connection has error details", () => {
    expect(renderErrorDetails([connection({ errors: [] })], TO)).toBe(
      "Error details: no failed deliveries in the window.\n",
    );
    expect(renderErrorDetails([connection()], TO)).toBe("");
  });
});

describe("junitXml", () => {
  const report = (c: ConnectionResult): CheckReport => ({
    from: iso(TO - 3_600_000),
    to: iso(TO),
    ok: c.ok,
    thresholds: {},
    connections: [c],
    sources: [],
  });
  const parse = (xml: string) =>
    new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml).testsuites.testsuite[0].testcase;

  it("ends a failing case's message with its top reason", () => {
    const c = connection({
      ok: false,
      failures: ["success rate 50.00% is below 99.00%"],
      errors: [
        {
          reason: "etimedout",
          count: 9,
          description: "The destination did not answer in time.",
          lastSeen: iso(TO - 60_000),
        },
      ],
    });
    expect(parse(junitXml(report(c))).failure.message).toBe(
      "success rate 50.00% is below 99.00%; top failure reason: ETIMEDOUT, 9 in the window, last seen 2026-11-25T09:59:00Z: The destination did not answer in time.",
    );
  });

  it("leaves passing cases alone and drops characters XML cannot hold", () => {
    const c = connection({
      source: "we\u0001b",
      errors: [{ reason: "502", count: 1, description: null, lastSeen: iso(TO) }],
    });
    const xml = junitXml(report(c));
    expect(xml).not.toContain("\u0001");
    const testcase = parse(xml);
    expect(testcase.name).toBe("web → dst1");
    expect(testcase.failure).toBeUndefined();
  });
});
