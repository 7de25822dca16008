import { describe, expect, it } from "vitest";
import { formatDuration, isoSeconds, parseDuration, parseDurationList, parseTime } from "../src/time.js";

const now = Date.UTC(2026, 10, 25, 12, 0, 0);

describe("durations", () => {
  it.each([
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["2d", 172_800_000],
    ["0s", 0],
  ])("%s", (text, ms) => {
    expect(parseDuration(text, "--bucket")).toBe(ms);
    expect(formatDuration(ms === 0 ? 1000 : ms)).toBe(ms === 0 ? "1s" : text);
  });

  it.each(["5", "5 m", "1.5h", "-5m", "5min", "", "1w"])("rejects %j naming the flag", (text) => {
    expect(() => parseDuration(text, "--delay")).toThrow(/^--delay: .*not a duration.*e\.g\. 30s, 5m, 1h, 2d/);
  });

  it("parses, sorts and de-duplicates lists", () => {
    expect(parseDurationList("40m, 15m,15m", "--reread")).toEqual([900_000, 2_400_000]);
  });
});

describe("times", () => {
  it.each([
    ["2026-11-24T06:00:00Z", Date.UTC(2026, 10, 24, 6)],
    ["2026-11-24T06:00Z", Date.UTC(2026, 10, 24, 6)],
    ["2026-11-24T07:00:00+01:00", Date.UTC(2026, 10, 24, 6)],
    ["2026-11-24T06:00:00.500Z", Date.UTC(2026, 10, 24, 6, 0, 0, 500)],
    ["2026-11-24", Date.UTC(2026, 10, 24)],
    ["now", now],
    ["-90m", now - 90 * 60_000],
    ["-6h", now - 6 * 3_600_000],
    ["-2d", now - 2 * 86_400_000],
  ])("%s", (text, ms) => {
    expect(parseTime(text, now, "--from")).toBe(ms);
  });

  it("asks for a zone when it is missing", () => {
    expect(() => parseTime("2026-11-24T06:00:00", now, "--from")).toThrow(
      "--from: '2026-11-24T06:00:00' has no time zone; add Z",
    );
  });

  it.each(["yesterday", "2026-13-45T00:00:00Z", "+6h", "6h", "1700000000"])("rejects %s naming the flag", (text) => {
    expect(() => parseTime(text, now, "--to")).toThrow(/^--to: /);
  });

  it("formats Segment times without milliseconds", () => {
    expect(isoSeconds(Date.UTC(2026, 10, 24, 6, 5))).toBe("2026-11-24T06:05:00Z");
  });
});
