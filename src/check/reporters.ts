// `check`'s three reports of one CheckReport, behind one interface (as datadog-ci's reporters are):
// the terminal table for people, one JSON document and JUnit XML for machines. People read names
// (with the id where two destinations share one); machines read ids (design §5).

import type { Thresholds } from "../domain.js";
import { sparkline } from "../mapping/thresholds.js";
import { renderTable } from "../table.js";
import { formatDuration } from "../time.js";
import { renderErrorDetails, renderPipeline } from "./error-details.js";
import { junitXml } from "./junit.js";
import type { CheckReport, ConnectionResult, Reporter } from "./report.js";

const percent = (r: number | undefined) => (r === undefined ? "—" : `${(r * 100).toFixed(2)}%`);

/** `success ≥ 99.00%, p95 ≤ 60s, events: no minimum`: which thresholds applied (issue #22). */
export function describeThresholds(t: Thresholds): string {
  return [
    t.minSuccessRate == null
      ? "success rate: off"
      : `success rate ≥ ${percent(t.minSuccessRate)} (from ${t.minDeliveries ?? 0} deliveries)`,
    t.maxP95Ms == null ? "p95: off" : `p95 ≤ ${formatDuration(t.maxP95Ms)}`,
    t.minEvents == null ? "events: no minimum" : `events ≥ ${t.minEvents}`,
  ].join(", ");
}

/** A connection as people read it: `web → Amplitude`, with the id when another has the same name. */
export function connectionLabels(connections: readonly ConnectionResult[]): Map<ConnectionResult, string> {
  const count = new Map<string, number>();
  const plain = (c: ConnectionResult) => `${c.workspace}\u0000${c.source} → ${c.destination}`;
  for (const c of connections) count.set(plain(c), (count.get(plain(c)) ?? 0) + 1);
  return new Map(
    connections.map((c) => [
      c,
      (count.get(plain(c)) ?? 0) > 1
        ? `${c.source} → ${c.destination} (${c.destinationId})`
        : `${c.source} → ${c.destination}`,
    ]),
  );
}

export function tableReporter(windowMs: number): Reporter {
  return {
    render(report: CheckReport): string {
      const labels = connectionLabels(report.connections);
      const rows = report.connections.map((c) => [
        c.ok ? "OK" : "FAIL",
        labels.get(c) ?? c.destinationId,
        percent(c.successRate),
        c.numbers.p95Ms === undefined ? "—" : `${c.numbers.p95Ms} ms`,
        String(c.numbers.successes),
        String(c.numbers.discarded + c.numbers.expired),
        sparkline(c.numbers.trend),
        c.failures.join("; "),
      ]);
      const sourceRows = report.sources.map((s) => [
        s.ok ? "OK" : "FAIL",
        s.source,
        String(s.events),
        sparkline(s.trend),
        s.failures.join("; "),
      ]);
      const errors = renderErrorDetails(report.connections, Date.parse(report.to), labels);
      const pipeline = renderPipeline(report.sources, report.connections, labels);
      return `Window ${report.from} … ${report.to} (${formatDuration(windowMs)})\nThresholds: ${describeThresholds(report.thresholds)}\n\n${renderTable(
        ["STATUS", "CONNECTION", "SUCCESS", "P95", "DELIVERED", "LOST", "TREND", "WHY"],
        rows,
      )}\n${renderTable(["STATUS", "SOURCE", "EVENTS", "TREND", "WHY"], sourceRows)}\n${
        errors === "" ? "" : `${errors}\n`
      }${pipeline === "" ? "" : `${pipeline}\n`}${report.ok ? "All thresholds hold." : "Some thresholds are missed."}\n`;
    },
  };
}

export const jsonReporter: Reporter = { render: (report) => `${JSON.stringify(report, null, 2)}\n` };

export const junitReporter: Reporter = { render: junitXml };
