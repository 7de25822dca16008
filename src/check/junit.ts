// JUnit XML for CI systems: one test case per connection (and per source for event volume);
// a missed threshold is a <failure>, never an <error> (design §5). A failing connection's message
// ends with its top failure reason, so the CI summary already says why deliveries fail.
import { labelled } from "./error-details.js";
import type { CheckReport, ConnectionResult } from "./report.js";

// Characters XML 1.0 cannot hold at all, even escaped; names from the network may carry them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function testcase(classname: string, name: string, failures: readonly string[]): string {
  const open = `    <testcase classname="${escapeXml(classname)}" name="${escapeXml(name)}" time="0"`;
  if (failures.length === 0) return `${open}/>`;
  const message = escapeXml(failures.join("; "));
  return `${open}>\n      <failure type="threshold" message="${message}">${message}</failure>\n    </testcase>`;
}

export function junitXml(report: CheckReport): string {
  const delivery = report.connections.map((c) =>
    testcase(`${c.workspace}.${c.source}`, `${c.source} → ${c.destinationId}`, withTopReason(c)),
  );
  const events = report.sources.map((s) => testcase(`${s.workspace}.events`, `${s.source} events`, s.failures));
  const suite = (name: string, cases: string[], failed: number) =>
    `  <testsuite name="${escapeXml(name)}" tests="${cases.length}" failures="${failed}" errors="0">\n${cases.join("\n")}\n  </testsuite>`;
  const deliveryFailed = report.connections.filter((c) => !c.ok).length;
  const eventsFailed = report.sources.filter((s) => !s.ok).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="segment-datadog-exporter check ${escapeXml(report.from)} to ${escapeXml(report.to)}" tests="${delivery.length + events.length}" failures="${deliveryFailed + eventsFailed}" errors="0">`,
    suite("delivery", delivery, deliveryFailed),
    suite("event volume", events, eventsFailed),
    "</testsuites>",
    "",
  ].join("\n");
}

function withTopReason(c: ConnectionResult): readonly string[] {
  const top = c.errors?.[0];
  if (c.failures.length === 0 || !top) return c.failures;
  return [
    ...c.failures,
    `top failure reason: ${labelled(top.reason)}, ${top.count} in the window, last seen ${top.lastSeen}${top.description ? `: ${top.description}` : ""}`,
  ];
}
