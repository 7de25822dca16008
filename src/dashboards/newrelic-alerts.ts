// The five monitors as New Relic NRQL alert conditions: a policy and one static condition per monitor,
// each in NerdGraph's AlertsNrqlConditionStaticInput fields (name, nrql.query, signal, terms,
// expiration), ready for `alertsNrqlConditionStaticCreate` or Terraform's newrelic_nrql_alert_condition.
// Names, windows and thresholds are the Datadog monitors' (monitorSpecs, monitorPlan), the NRQL is
// rendered from the same neutral expressions as the New Relic dashboard.
//
// Signals: a bucket's points are sent once, at its last read, stamped at the bucket's start: late
// and in batches, which New Relic's EVENT_TIMER aggregation is for (a window is evaluated once its
// data stopped arriving for the timer, not by the wall clock; reference §1, streaming alerts).
import type { AssetOptions } from "./common.js";
import { type MonitorKey, monitorPlan, monitorSpecs } from "./monitors.js";
import { newRelicPolicyName } from "./newrelic-dashboard.js";
import { nrqlExpr, nrqlName, nrqlQuery } from "./nrql.js";
import { add, deliveries, div, ofExportRuns, perConnection, series, sum } from "./panels.js";
import { seriesRefs } from "./refs.js";

type Operator = "ABOVE" | "ABOVE_OR_EQUALS" | "BELOW";

export interface NewRelicCondition {
  name: string;
  description: string;
  enabled: true;
  nrql: { query: string };
  signal: {
    aggregationWindow: number;
    aggregationMethod: "EVENT_TIMER";
    aggregationTimer: number;
    fillOption: "NONE";
  };
  terms: Array<{
    priority: "CRITICAL" | "WARNING";
    operator: Operator;
    threshold: number;
    thresholdDuration: number;
    thresholdOccurrences: "AT_LEAST_ONCE";
  }>;
  expiration?: { expirationDuration: number; openViolationOnExpiration: boolean; closeViolationsOnExpiration: boolean };
  violationTimeLimitSeconds: number;
}

export interface NewRelicAlerts {
  policy: { name: string; incidentPreference: "PER_CONDITION_AND_TARGET" };
  conditions: NewRelicCondition[];
}

const s = (ms: number) => Math.round(ms / 1000);

/** The NRQL of each monitor (what `nrql.query` holds). */
export function newRelicConditionQueries(options: AssetOptions): Record<MonitorKey, string> {
  const refs = seriesRefs(options.prefix);
  const e = refs.exporter;
  const plain = { variables: false };
  const total = deliveries(refs);
  const failedShare = div(add(sum(refs.discarded), sum(refs.expired)), total);
  // Below --min-deliveries deliveries in the window the failed share is multiplied by 0 (the rate
  // reads 100 %), from N on by 1: clamp_max(floor(total / N), 1), NRQL's math on aggregates.
  const gated =
    options.minDeliveries > 1
      ? `1 - (${nrqlExpr(failedShare)}) * clamp_max(floor((${nrqlExpr(total)}) / ${options.minDeliveries}), 1)`
      : `1 - (${nrqlExpr(failedShare)})`;
  const rate = nrqlQuery(perConnection(total), { ...plain, select: gated });
  const p95 = refs.timeToSuccessP95.metric;
  return {
    "success-rate": rate,
    // Each bucket is one point per connection: count those above the maximum (a filter on the gauge's value).
    p95: nrqlQuery(perConnection(series(refs.timeToSuccessP95, "count")), {
      ...plain,
      conditions: [`getField(${nrqlName(p95)}, max) > ${options.maxP95Ms}`],
    }),
    stopped: nrqlQuery(ofExportRuns(series(e.heartbeat, "max")), plain),
    lag: nrqlQuery(ofExportRuns(series(e.lag, "max"), ["workspace"]), plain),
    missed: nrqlQuery({ expr: sum(e.bucketsMissed), scope: "none", by: ["workspace"] }, plain),
  };
}

export function buildNewRelicAlerts(options: AssetOptions): NewRelicAlerts {
  const plan = monitorPlan(options);
  const queries = newRelicConditionQueries(options);
  // A bucket's points come together; the timer waits two buckets for the rest of a window (20 min at most).
  const timer = Math.min(1200, Math.max(60, s(2 * options.bucketMs)));
  const windows: Record<MonitorKey, number> = {
    "success-rate": s(plan.deliveryWindowMs),
    p95: s(plan.p95.windowMs),
    stopped: s(plan.stoppedWindowMs),
    lag: s(plan.lagWindowMs),
    missed: s(plan.missedWindowMs),
  };
  const thresholds: Record<MonitorKey, { operator: Operator; threshold: number }> = {
    "success-rate": { operator: "BELOW", threshold: plan.rate },
    p95: { operator: "ABOVE_OR_EQUALS", threshold: plan.p95.slowBuckets },
    stopped: { operator: "BELOW", threshold: 1 },
    lag: { operator: "ABOVE", threshold: plan.maxLagS },
    missed: { operator: "ABOVE", threshold: 0 },
  };
  const notify = options.notify.length > 0 ? ` Notify: ${options.notify.join(" ")}.` : "";
  return {
    policy: { name: newRelicPolicyName(options.prefix), incidentPreference: "PER_CONDITION_AND_TARGET" },
    conditions: monitorSpecs(options).map((spec) => ({
      name: spec.name,
      description: `${spec.description}${notify}`,
      enabled: true,
      nrql: { query: queries[spec.key] },
      signal: {
        aggregationWindow: windows[spec.key],
        aggregationMethod: "EVENT_TIMER",
        aggregationTimer: timer,
        fillOption: "NONE",
      },
      terms: [
        {
          priority: spec.priority <= 2 ? "CRITICAL" : "WARNING",
          ...thresholds[spec.key],
          thresholdDuration: windows[spec.key],
          thresholdOccurrences: "AT_LEAST_ONCE",
        },
      ],
      // The heartbeat's alert is its absence: loss of signal for twice three runs opens an incident.
      ...(spec.key === "stopped"
        ? {
            expiration: {
              expirationDuration: s(plan.stoppedAfterMs),
              openViolationOnExpiration: true,
              closeViolationsOnExpiration: false,
            },
          }
        : {}),
      violationTimeLimitSeconds: 86_400,
    })),
  };
}
