// Issue #13, unit level: deadlines that survive garbage collection, bounded server-asked waits,
// trusted watermarks, secrets recognised where names go, escaped control characters.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { looksLikeSecret } from "../../src/config/files.js";
import { deadline } from "../../src/deadline.js";
import { UsageError } from "../../src/errors.js";
import { checkWatermarks } from "../../src/plan/schedule.js";
import { RateBudget } from "../../src/segment/budget.js";
import { boundedWait, MAX_WAIT_MS } from "../../src/segment/waits.js";
import { terminalSafe } from "../../src/terminal.js";
import { parseDuration, parseTime } from "../../src/time.js";

const DIST_DEADLINE = fileURLToPath(new URL("../../dist/deadline.js", import.meta.url));

/** Runs a module in a fresh Node with --expose-gc; resolves to its stdout. */
function runGcScript(source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--input-type=module", "-e", source], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(out.trim());
    });
  });
}

describe("deadline", () => {
  it("fires under forced garbage collection, where AbortSignal.timeout inside AbortSignal.any may not", async () => {
    // Only the composite signal is kept; a GC every few ms tries to take what it depends on.
    const out = await runGcScript(`
      import { deadline } from ${JSON.stringify(DIST_DEADLINE)};
      const parent = new AbortController();
      const { signal } = deadline(300, [parent.signal]);
      const gc = setInterval(() => globalThis.gc(), 5);
      const fired = await new Promise((resolve) => {
        signal.addEventListener("abort", () => resolve(signal.reason?.name), { once: true });
        setTimeout(() => resolve("never"), 3000).unref();
      });
      clearInterval(gc);
      console.log(fired);
    `);
    expect(out).toBe("TimeoutError");
  });

  it("follows a parent's abort with its reason, and dispose() stops the timer", async () => {
    const parent = new AbortController();
    const d = deadline(60_000, [parent.signal]);
    parent.abort(new Error("stopped by SIGTERM"));
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).message).toBe("stopped by SIGTERM");
    const quiet = deadline(20);
    quiet.dispose();
    await new Promise((r) => setTimeout(r, 60));
    expect(quiet.signal.aborted).toBe(false);
  });
});

describe("server-asked waits", () => {
  it("are capped at 5 minutes, and refused when they would end past the run's deadline", () => {
    expect(boundedWait(99_999_000, undefined, "x")).toBe(MAX_WAIT_MS);
    expect(boundedWait(2_000, 1_000_000 + 10_000, "x", 1_000_000)).toBe(2_000);
    expect(() => boundedWait(99_999_000, 1_000_000 + 60_000, "x", 1_000_000)).toThrow(/past the run's deadline/);
  });

  it("a 429 with Retry-After: 9999999 pauses the budget for 5 minutes at most", async () => {
    let now = 1_000_000;
    const budget = new RateBudget({ concurrency: 1, clock: () => now });
    await budget.acquire("s", "delivery-metrics");
    budget.observe("s", "delivery-metrics", 429, { "retry-after": "9999999" });
    // With a deadline 6 minutes away the capped pause fits; with 1 minute it fails at once.
    await expect(budget.acquire("s", "delivery-metrics", undefined, now + 60_000)).rejects.toThrow(/deadline/);
    now += MAX_WAIT_MS + 1;
    await budget.acquire("s", "delivery-metrics", undefined, now + 60_000);
  });
});

describe("watermarks from the state file", () => {
  const schedule = { bucketMs: 300_000, delayMs: 120_000, rereadMs: [900_000], historical: false };
  const now = Date.UTC(2026, 10, 30, 12, 3, 10);

  it("one ahead of now is pulled back to the newest due bucket, with a note", () => {
    const ahead = now + 86_400_000 - ((now + 86_400_000) % 300_000);
    const { marks, notes } = checkWatermarks({ first: ahead, "reread-15m": ahead }, schedule, now);
    expect(marks?.first).toBe(Date.UTC(2026, 10, 30, 12, 0));
    expect(marks?.["reread-15m"]).toBe(Date.UTC(2026, 10, 30, 11, 45));
    expect(notes.map((n) => n.why)).toEqual(["ahead", "ahead"]);
  });

  it("one off a bucket boundary moves back to the boundary; good ones are untouched", () => {
    const good = Date.UTC(2026, 10, 30, 11, 0);
    const { marks, notes } = checkWatermarks({ first: good + 61_234, "reread-15m": good }, schedule, now);
    expect(marks).toEqual({ first: good, "reread-15m": good });
    expect(notes).toEqual([{ stage: "first", was: good + 61_234, now: good, why: "unaligned" }]);
  });
});

describe("input that used to escape validation", () => {
  it("times outside 1970–9999 and durations past a timer's range are exit 2", () => {
    expect(() => parseTime("-999999999d", Date.now(), "--from")).toThrow(UsageError);
    expect(() => parseDuration("25d", "--max-duration", 2_147_483_647)).toThrow(/at most 24d/);
    expect(parseDuration("24d", "--max-duration", 2_147_483_647)).toBe(24 * 86_400_000);
  });

  it.each([
    ["sgp_0123456789abcdefABCDEF", true],
    ["0123456789abcdef0123456789abcdef", true],
    ["a3F9kLmN0pQrS7tUvWxYz2bC", true],
    ["SEGMENT_TOKEN_PROD", false],
    ["DD_API_KEY", false],
    ["/run/secrets/segment-prod", false],
    ["segment_token_for_the_production_workspace", false],
  ])("looksLikeSecret(%s) is %s", (value, expected) => {
    expect(looksLikeSecret(value)).toBe(expected);
  });

  it("control characters become visible escapes", () => {
    expect(terminalSafe("a\u001b[2Jb\u0000c\nd\u2028")).toBe("a\\u{1b}[2Jb\\u{0}c\\u{a}d\\u{2028}");
    expect(terminalSafe("Ünïcode → ok")).toBe("Ünïcode → ok");
  });
});
