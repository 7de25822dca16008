// One sink per state file (design §5, Sinks): the file records the sink its progress was sent to and
// refuses another, as it refuses another --bucket; a file from before `--sink` is Datadog's.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { loadState, saveState } from "../../src/state/store.js";

const BUCKET = 300_000;
const path = () => join(mkdtempSync(join(tmpdir(), "sde-state-")), "state.json");

describe("the sink of a state file", () => {
  it("is recorded on a fresh state and kept on save", async () => {
    const file = path();
    const state = await loadState(file, BUCKET, "prometheus");
    await saveState(file, state);
    expect(JSON.parse(readFileSync(file, "utf8")).sink).toBe("prometheus");
    expect((await loadState(file, BUCKET, "prometheus")).sink).toBe("prometheus");
  });

  it("refuses another sink with one line naming both and the fix", async () => {
    const file = path();
    await saveState(file, await loadState(file, BUCKET, "newrelic"));
    const error = await loadState(file, BUCKET, "prometheus").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `--sink: ${file} holds the progress of --sink newrelic; keep --sink newrelic, or use a new --state file for --sink prometheus (progress sent to one backend says nothing about what another holds)`,
    );
  });

  it("treats a file without the field as Datadog's", async () => {
    const file = path();
    writeFileSync(file, JSON.stringify({ version: 1, bucket: "5m", workspaces: {} }));
    expect((await loadState(file, BUCKET)).sink).toBe("datadog");
    await expect(loadState(file, BUCKET, "newrelic")).rejects.toThrow(/holds the progress of --sink datadog/);
  });
});
