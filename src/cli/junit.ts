// JUnit XML for CI systems: one test case per connection (and per source for event volume);
// a missed threshold is a <failure>, never an <error> (design §5).
import type { CheckReport } from "../run/check.js";

function escapeXml(text: string): string {
  return text
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
    testcase(`${c.workspace}.${c.source}`, `${c.source} → ${c.destinationId}`, c.failures),
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
