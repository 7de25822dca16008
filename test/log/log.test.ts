import { describe, expect, it } from "vitest";
import { createLogger, registerSecret, scrub } from "../../src/log.js";

describe("logger", () => {
  const token = "sgp_logtest_0123456789abcdefXYZ";
  registerSecret(token);

  it("scrubs a registered secret from messages, fields and errors", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", pretty: false, write: (l) => lines.push(l) });
    log.info({ url: `https://x/?t=${token}`, nested: { deep: [token] } }, `token is ${token}`);
    log.error({ err: new Error(`upstream said ${token}`) }, "failed");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(token);
      expect(line).toContain("[REDACTED]");
    }
  });

  it("writes JSON lines and no stack trace at the default level", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", pretty: false, write: (l) => lines.push(l) });
    log.error({ err: new Error("boom") }, "failed");
    const record = JSON.parse(lines[0] ?? "{}") as { err: Record<string, unknown>; msg: string };
    expect(record.msg).toBe("failed");
    expect(record.err).toEqual({ type: "Error", message: "boom" });
    expect(lines[0]).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("keeps stacks for debug", () => {
    const lines: string[] = [];
    createLogger({ level: "debug", pretty: false, write: (l) => lines.push(l) }).error({ err: new Error("boom") }, "x");
    expect(JSON.parse(lines[0] ?? "{}").err.stack).toContain("boom");
  });

  it("prints a short human line on a terminal", () => {
    const lines: string[] = [];
    createLogger({ level: "info", pretty: true, write: (l) => lines.push(l) }).warn({ missed: 3 }, "buckets missed");
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d WARN buckets missed missed=3\n$/);
  });

  it("scrubs secrets of any length: a five-character token is still a token", () => {
    registerSecret("k3y5x");
    expect(scrub("sent k3y5x to the server")).toBe("sent [REDACTED] to the server");
  });

  it("keeps one record on one line in pretty logs: a metric name with a newline forges nothing", () => {
    const lines: string[] = [];
    createLogger({ level: "info", pretty: true, write: (l) => lines.push(l) }).warn(
      { metric: "evil\n12:00:00 INFO forged" },
      "unknown metric evil\n12:00:00 INFO forged\u001b[2J",
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]?.trimEnd()).not.toContain("\n");
    expect(lines[0]).not.toContain("\u001b");
    expect(lines[0]).toContain("evil\\u{a}12:00:00 INFO forged");
  });

  it("escapes control characters from the network in terminal lines", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", pretty: true, write: (l) => lines.push(l) });
    log.warn({ workspace: "ws\u001b[2J" }, "workspace evil\u0007 name");
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\u0007");
    expect(lines[0]).not.toContain("\u001b");
    expect(lines[0]).toContain("evil\\u{7} name workspace=ws\\u{1b}[2J");
    expect(lines[0]?.endsWith("\n")).toBe(true);
  });
});
