// `promtool check rules` through the helper the generated alerting rules will be checked with.
// Runs when `promtool` is on the PATH; in CI its absence fails the suite (see test/helpers).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRules, runsWith } from "../helpers/prometheus.js";

const VALID = `groups:
  - name: segment-exporter
    rules:
      - alert: SegmentExporterStopped
        expr: absent_over_time(segment_exporter_exporter_heartbeat[30m])
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: No heartbeat from the exporter for 30 minutes
`;

// A parse error in the expression, as a broken generator would write it.
const INVALID = VALID.replace("absent_over_time(segment_exporter_exporter_heartbeat[30m])", "sum(rate(x[5m])");

describe.runIf(runsWith("promtool"))("promtool check rules", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sde-rules-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts a valid rules file", async () => {
    const file = join(dir, "valid.yml");
    await writeFile(file, VALID);
    const result = await checkRules(file);
    expect(result.output).toContain("SUCCESS: 1 rules found");
    expect(result.ok).toBe(true);
  });

  it("rejects a rules file whose expression does not parse, naming the problem", async () => {
    const file = join(dir, "invalid.yml");
    await writeFile(file, INVALID);
    const result = await checkRules(file);
    expect(result.ok).toBe(false);
    expect(result.output).toContain("FAILED");
    expect(result.output).toMatch(/parse error|unclosed|unexpected/);
  });
});
