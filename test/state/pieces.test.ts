import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dictionary, emptyState, jsonPieces, loadState, saveState, stateDigest } from "../../src/state/store.js";
import { MINUTE } from "../../src/time.js";

describe("the state file written in pieces", () => {
  it("is JSON.stringify(value, null, 2) character for character", () => {
    const value = {
      a: 1,
      "2": "integer-like key first",
      nested: { empty: {}, list: [], mixed: [1, "two", null, { x: true }, [3]], gone: undefined },
      text: 'quote " backslash \\ café \u0001',
      map: dictionary({ ["__proto__"]: { stages: { first: "2026-12-06T10:00:00.000Z" } }, b: { stages: {} } }),
      fraction: 0.1,
      negative: -2e-7,
    };
    expect([...jsonPieces(value)].join("")).toBe(JSON.stringify(value, null, 2));
  });

  it("comes in pieces of bounded size for a large state, and reads back", async () => {
    const state = emptyState(5 * MINUTE);
    const delivery = dictionary<{ stages: Record<string, string> }>();
    for (let i = 0; i < 5000; i++) delivery[`src${i}/dst${i}`] = { stages: { first: "2026-12-06T10:00:00.000Z" } };
    state.workspaces = dictionary({ ws1: { slug: "w", delivery } });
    const pieces = [...jsonPieces(state)];
    expect(pieces.length).toBeGreaterThan(3);
    for (const piece of pieces) expect(piece.length).toBeLessThan(70 * 1024);
    const path = join(mkdtempSync(join(tmpdir(), "pieces-")), "state.json");
    await saveState(path, state);
    const text = readFileSync(path, "utf8");
    expect(text.endsWith("}\n")).toBe(true);
    const read = await loadState(path, 5 * MINUTE);
    expect(Object.keys(read.workspaces.ws1?.delivery ?? {})).toHaveLength(5000);
    expect(read.workspaces.ws1?.delivery["src4999/dst4999"]?.stages.first).toBe("2026-12-06T10:00:00.000Z");
  });

  it("has a digest that ignores updatedAt and changes with any watermark", () => {
    const state = emptyState(5 * MINUTE);
    state.workspaces = dictionary({
      ws1: { slug: "w", delivery: dictionary({ "s/d": { stages: { first: "2026-12-06T10:00:00.000Z" } } }) },
    });
    const digest = stateDigest(state);
    expect(stateDigest({ ...state, updatedAt: "2026-12-06T11:00:00.000Z" })).toBe(digest);
    const entry = state.workspaces.ws1?.delivery["s/d"];
    if (entry) entry.stages.first = "2026-12-06T10:05:00.000Z";
    expect(stateDigest(state)).not.toBe(digest);
  });
});
