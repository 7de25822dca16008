// Issue #13: the exporter against hostile servers and hostile input. Every case here once hung,
// leaked a secret, lost output or exited with an undocumented code. Each run is the real CLI as a
// child process against real HTTP servers on 127.0.0.1 (the emulators, or a hostile server in front
// of them); every hang is bounded by a child timeout far below the hang it guards against.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { demoFixture, generateFixture } from "../../src/emulator/segment/fixture.js";
import { must } from "../emulator/segment-helpers.js";
import { BIN, type CliResult, cleanEnv, emulatorEnv, runCli } from "../helpers/cli.js";
import { tempStatePath } from "../helpers/export.js";
import { type Hostile, hostileServer, json, type Rule } from "../helpers/hostile.js";

const T0 = Date.now();
let emulators: Emulators;
const servers: Hostile[] = [];

beforeAll(async () => {
  emulators = await startEmulators({
    segment: { now: () => T0, defaultRateLimitPerMinute: 1_000_000 },
    datadog: { now: () => T0 },
  });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await emulators.close();
});

async function hostile(target: "segment" | "datadog" | undefined, rule: Rule): Promise<Hostile> {
  const server = await hostileServer(target ? emulators[target].url : undefined, rule);
  servers.push(server);
  return server;
}

const isDelivery = (path: string) => path.includes("/delivery-metrics");
const isSubmit = (path: string) => path.startsWith("/api/v2/series");

/** Runs the CLI with a garbage collection every 20 ms: a deadline that GC can take never fires. */
function runWithGc(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliResult> {
  const preload = "data:text/javascript,setInterval(()=>globalThis.gc(),20).unref()";
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", preload, BIN, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * No bucket was checkpointed: a new stream's first watermark stays where a fresh run starts (about
 * an hour back, Datadog's window), instead of moving up to the newest due bucket.
 */
function expectNothingCheckpointed(state: string) {
  if (!existsSync(state)) return;
  const marks = JSON.stringify(JSON.parse(readFileSync(state, "utf8")).workspaces).match(/"first":"([^"]+)"/g) ?? [];
  expect(marks.length).toBeGreaterThan(0);
  for (const m of marks) expect(Date.parse(m.slice(9, -1))).toBeLessThan(Date.now() - 50 * 60_000);
}

/** One stderr line, no stack trace, no secret. */
function expectOneCleanLine(result: CliResult, secrets: string[] = []) {
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  for (const s of secrets) expect(result.stderr + result.stdout).not.toContain(s);
}

describe("a run always ends by itself", () => {
  it("Datadog accepts a submit and never answers it: --request-timeout holds under forced GC", async () => {
    // The first submit hangs; every later request reaches the emulator. Only the request timeout
    // (1s) frees the run to retry and deliver: were the flag ignored, the default 30s timeout would
    // hold the submit until --max-duration (30s) ended the run with exit 4.
    const submits: number[] = [];
    const dd = await hostile("datadog", (req, forward) => {
      if (!isSubmit(req.path)) return forward();
      submits.push(Date.now());
      return submits.length === 1 ? "hang" : forward();
    });
    const started = Date.now();
    const result = await runWithGc(
      [
        ...["export", "--state", tempStatePath(), "--no-usage", "--log-level", "debug"],
        ...["--request-timeout", "1s", "--max-duration", "30s"],
      ],
      emulatorEnv(emulators, { DD_API_URL: dd.url }),
      50_000,
    );
    const elapsed = Date.now() - started;
    expect(result.signal).toBeNull();
    expect(/--max-duration \S+ reached/.exec(result.stderr)?.[0]).toBeUndefined();
    expect(result.stderr).toContain("Datadog request timed out after 1000 ms");
    expect(result.code).toBe(0);
    // The retry followed the hung submit after the timeout and a backoff (0.5–1 s), not at the deadline.
    const [hung, retry] = submits;
    expect(must(retry, "a retried submit") - must(hung, "a submit")).toBeLessThan(10_000);
    expect(elapsed).toBeLessThan(20_000);
  }, 60_000);

  it("Segment never answers delivery metrics: --max-duration holds under forced GC", async () => {
    const seg = await hostile("segment", (req, forward) => (isDelivery(req.path) ? "hang" : forward()));
    const started = Date.now();
    const result = await runWithGc(
      ["export", "--state", tempStatePath(), "--request-timeout", "5m", "--max-duration", "5s", "--no-usage"],
      emulatorEnv(emulators, { SEGMENT_API_URL: seg.url }),
      40_000,
    );
    expect(result.signal).toBeNull();
    expect(result.code).toBe(4);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.stderr).toContain("--max-duration 5s reached");
  });

  it("export has a 10m deadline by default, shown in --help", async () => {
    const help = await runCli(["export", "--help"], cleanEnv());
    expect(help.stdout).toMatch(/--max-duration[\s\S]*default 10m/);
  });

  it("Retry-After: 99999 on a 429 is not waited: the jobs fail at once and stay pending (exit 4)", async () => {
    const seg = await hostile("segment", (req, forward) =>
      isDelivery(req.path) ? json(429, { errors: [{ type: "rate-limit" }] }, { "retry-after": "99999" }) : forward(),
    );
    const state = tempStatePath();
    const started = Date.now();
    const result = await runCli(
      ["export", "--state", state, "--max-duration", "2m", "--no-usage", "--no-event-volume"],
      emulatorEnv(emulators, { SEGMENT_API_URL: seg.url }),
      { timeoutMs: 60_000 },
    );
    expect(result.code).toBe(4);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.stderr).toContain("past the run's deadline");
  });

  it("X-RateLimit-Remaining: 0 with a reset a day away is not waited past the deadline", async () => {
    const far = new Date(Date.now() + 86_400_000).toUTCString();
    const seg = await hostile("segment", async (req, forward) => {
      const answer = await forward();
      if (!isDelivery(req.path)) return answer;
      return { ...answer, headers: { ...answer.headers, "x-ratelimit-remaining": "0", "x-ratelimit-reset": far } };
    });
    const started = Date.now();
    const result = await runCli(
      ["export", "--state", tempStatePath(), "--max-duration", "1m", "--no-usage", "--no-event-volume"],
      emulatorEnv(emulators, { SEGMENT_API_URL: seg.url }),
      { timeoutMs: 60_000 },
    );
    expect(result.code).toBe(4);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it.each([
    ["a fresh cursor forever, with empty pages", (n: number) => ({ sources: [], pagination: { next: `c${n}` } })],
    ["a cursor that loops back", (n: number) => ({ sources: [], pagination: { next: `c${n % 3}` } })],
  ])("pagination with %s is an error (exit 4), not an endless loop", async (_name, page) => {
    let n = 0;
    const seg = await hostile("segment", (req, forward) =>
      req.path.startsWith("/sources?") || req.path === "/sources" ? json(200, { data: page(n++) }) : forward(),
    );
    const result = await runCli(
      ["export", "--state", tempStatePath(), "--no-usage"],
      emulatorEnv(emulators, { SEGMENT_API_URL: seg.url }),
      { timeoutMs: 30_000 },
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/pagination/);
    expect(n).toBeLessThan(10);
  });

  it.each([
    [
      "a FIFO with no writer",
      () => {
        const path = join(mkdtempSync(join(tmpdir(), "sde-fifo-")), "token");
        spawnSync("mkfifo", [path]);
        return path;
      },
    ],
    ["/dev/zero", () => "/dev/zero"],
    ["a folder", () => mkdtempSync(join(tmpdir(), "sde-dir-"))],
  ])("a token file that is %s is exit 2 at once", async (_name, make) => {
    const path = make();
    const result = await runCli(
      ["export", "--dry-run", "--segment-token-file", path],
      cleanEnv({ SEGMENT_API_URL: emulators.segment.url }),
      { timeoutMs: 10_000 },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is not a regular file");
    expectOneCleanLine(result);
  });
});

describe("secrets", () => {
  it("a Datadog redirect to another host is not followed: the key and payload stay home", async () => {
    const elsewhere = await hostile(undefined, () => json(202, { errors: [] }));
    const dd = await hostile("datadog", (req, forward) =>
      isSubmit(req.path) ? { status: 307, headers: { location: `${elsewhere.url}${req.path}` }, body: "" } : forward(),
    );
    const state = tempStatePath();
    const result = await runCli(
      ["export", "--state", state, "--no-usage"],
      emulatorEnv(emulators, { DD_API_URL: dd.url }),
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("redirect");
    expect(elsewhere.seen).toHaveLength(0);
    expectNothingCheckpointed(state);
  });

  it("a Segment redirect to another host is not followed: the token stays home", async () => {
    const elsewhere = await hostile("segment", (_req, forward) => forward());
    const seg = await hostile("segment", (req, forward) =>
      isDelivery(req.path)
        ? { status: 302, headers: { location: `${elsewhere.url}${req.path}` }, body: "" }
        : forward(),
    );
    const result = await runCli(
      ["export", "--state", tempStatePath(), "--no-usage"],
      emulatorEnv(emulators, { SEGMENT_API_URL: seg.url }),
    );
    expect(result.code).toBe(4);
    // Failed on the redirect itself, not on something earlier that never reached it.
    expect(result.stderr).toContain("answered a redirect (HTTP 302); not followed");
    expect(elsewhere.seen).toHaveLength(0);
  });

  it.each([
    ["workspaces:\n  - tokenEnv: sgp_AbCdEf0123456789AbCdEf0123456789\n", "sgp_AbCdEf0123456789AbCdEf0123456789"],
    [
      "workspaces:\n  - tokenEnv: SEGMENT_TOKEN\ndatadog:\n  apiKeyEnv: 0123456789abcdef0123456789abcdef\n",
      "0123456789abcdef0123456789abcdef",
    ],
  ])("a secret pasted where a variable name goes is refused without echoing it", async (yaml, secret) => {
    const file = join(mkdtempSync(join(tmpdir(), "sde-cfg-")), "config.yaml");
    writeFileSync(file, yaml);
    const result = await runCli(["export", "--dry-run", "--config", file], cleanEnv({ SEGMENT_TOKEN: "tok-from-env" }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("looks like a secret");
    expectOneCleanLine(result, [secret]);
  });

  it("a token with non-Latin-1 characters is a usage error (exit 2), not a failure on every run", async () => {
    const result = await runCli(
      ["export", "--dry-run"],
      cleanEnv({ SEGMENT_API_URL: emulators.segment.url, SEGMENT_TOKEN: "tok\u201cen\u201d" }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("SEGMENT_TOKEN");
    expectOneCleanLine(result);
  });
});

describe("output is never lost, verdicts never wrong", () => {
  it("stdout is flushed whole into a slow pipe (--dry-run larger than 64 KiB)", async () => {
    const big = await startEmulators({
      segment: { now: () => T0, fixture: generateFixture({ sources: 10, destinationsPerSource: 5, seed: 5 }) },
      datadog: { now: () => T0 },
    });
    servers.push({ url: "", seen: [], close: () => big.close() });
    const env = emulatorEnv(big);
    const direct = await runCli(["export", "--dry-run", "--no-usage"], env);
    expect(direct.code).toBe(0);
    expect(direct.stdout.length).toBeGreaterThan(128 * 1024);
    // The reader starts late, so the pipe's 64 KiB buffer is full when the exporter is done.
    // Asynchronous: the emulators serve from this process and must keep doing so.
    const piped = await new Promise<string>((resolve) => {
      const sh = spawn("sh", ["-c", `"${process.execPath}" "${BIN}" export --dry-run --no-usage | (sleep 1; wc -c)`], {
        env,
        stdio: ["ignore", "pipe", "ignore"],
      });
      let out = "";
      sh.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      const timer = setTimeout(() => sh.kill("SIGKILL"), 30_000);
      sh.on("close", () => {
        clearTimeout(timer);
        resolve(out);
      });
    });
    expect(Number(piped.trim())).toBe(Buffer.byteLength(direct.stdout));
  });

  it("a watermark ahead of now (clock stepped) is reported and pulled back; the state ends at or before now", async () => {
    const state = tempStatePath();
    const env = emulatorEnv(emulators);
    expect((await runCli(["export", "--state", state, "--no-usage"], env)).code).toBe(0);
    const saved = JSON.parse(readFileSync(state, "utf8"));
    const shift = (stages: Record<string, string>) => {
      for (const k of Object.keys(stages))
        stages[k] = new Date(Date.parse(stages[k] as string) + 86_400_000).toISOString();
    };
    for (const ws of Object.values(saved.workspaces) as Array<{
      delivery: Record<string, { stages: Record<string, string> }>;
      events?: { stages: Record<string, string> };
    }>) {
      for (const c of Object.values(ws.delivery)) shift(c.stages);
      if (ws.events) shift(ws.events.stages);
    }
    writeFileSync(state, JSON.stringify(saved));
    const result = await runCli(["export", "--state", state, "--no-usage"], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("ahead of now");
    const after = JSON.parse(readFileSync(state, "utf8"));
    const marks = JSON.stringify(after.workspaces).match(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g) ?? [];
    expect(marks.length).toBeGreaterThan(0);
    for (const m of marks) expect(Date.parse(m)).toBeLessThanOrEqual(Date.now());
  });

  it("a watermark off a bucket boundary is realigned, with a warning", async () => {
    const state = tempStatePath();
    const env = emulatorEnv(emulators);
    expect((await runCli(["export", "--state", state, "--no-usage", "--no-event-volume"], env)).code).toBe(0);
    const saved = JSON.parse(readFileSync(state, "utf8"));
    const ws = Object.values(saved.workspaces)[0] as { delivery: Record<string, { stages: Record<string, string> }> };
    const first = Object.values(ws.delivery)[0] as { stages: Record<string, string> };
    first.stages.first = new Date(Date.parse(first.stages.first as string) - 60_000 - 1234).toISOString();
    writeFileSync(state, JSON.stringify(saved));
    const result = await runCli(["export", "--state", state, "--no-usage", "--no-event-volume"], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("not on a bucket boundary");
    const after = JSON.parse(readFileSync(state, "utf8"));
    for (const m of JSON.stringify(after.workspaces).match(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g) ?? []) {
      expect(Date.parse(m) % 300_000).toBe(0);
    }
  });

  it("Datadog answering 202 with errors is not taken as accepted: nothing is checkpointed", async () => {
    const dd = await hostile("datadog", (req, forward) =>
      isSubmit(req.path) ? json(202, { errors: ["Payload rejected"] }) : forward(),
    );
    const state = tempStatePath();
    const result = await runCli(
      ["export", "--state", state, "--no-usage"],
      emulatorEnv(emulators, { DD_API_URL: dd.url }),
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("Payload rejected");
    expectNothingCheckpointed(state);
  });

  it("check fails a connection whose discarded count is not a number, instead of passing it", async () => {
    const seg = await hostile("segment", async (req, forward) => {
      const answer = await forward();
      if (!isDelivery(req.path) || answer.status !== 200) return answer;
      const body = JSON.parse(answer.body.toString());
      for (const m of body.data.deliveryMetricsSummary.metrics) if (m.metricName === "discarded") m.total = "5000";
      return json(200, body);
    });
    const result = await runCli(["check", "--json"], emulatorEnv(emulators, { SEGMENT_API_URL: seg.url }));
    expect(result.code).toBe(5);
    const report = JSON.parse(result.stdout);
    expect(report.connections.length).toBeGreaterThan(0);
    for (const c of report.connections) {
      expect(c.ok).toBe(false);
      expect(c.failures.join(" ")).toContain("non-numeric 'discarded'");
    }
  });
});

describe("documented exit codes for what used to be exit 1", () => {
  it.each([
    [["backfill", "--from", "-999999999d"], "--from"],
    [["export", "--dry-run", "--max-duration", "25d"], "--max-duration"],
    [["export", "--dry-run", "--request-timeout", "25d"], "--request-timeout"],
    [["demo", "--log-level", "bogus"], "--log-level"],
    [["export", "--dry-run", "--state", ""], "--state"],
  ])("%j is exit 2 naming %s", async (args, flag) => {
    const result = await runCli(args, emulatorEnv(emulators));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(flag);
    expect(result.stdout).toBe("");
    expectOneCleanLine(result);
  });

  it("sandbox on a port in use is exit 2 naming the flag", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as { port: number }).port;
    try {
      const result = await runCli(["sandbox", "--segment-port", String(port)], cleanEnv());
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("--segment-port");
      expectOneCleanLine(result);
    } finally {
      taken.close();
    }
  });

  it("a full disk when taking the lock is exit 2 with the reason, and nothing is sent", async () => {
    const state = tempStatePath();
    symlinkSync("/dev/full", `${state}.lock.owner`);
    const before = emulators.segment.requests.length;
    const result = await runCli(["export", "--state", state, "--no-usage"], emulatorEnv(emulators));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("ENOSPC");
    expect(emulators.segment.requests.length).toBe(before);
    expectOneCleanLine(result);
  });

  it("a minute-old <state>.lock that is a regular file is taken over", async () => {
    const state = tempStatePath();
    writeFileSync(`${state}.lock`, "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${state}.lock`, old, old);
    const result = await runCli(["export", "--state", state, "--no-usage"], emulatorEnv(emulators));
    expect(result.code).toBe(0);
    expect(existsSync(state)).toBe(true);
  });

  it("a workspace whose id is __proto__ exports normally", async () => {
    const fixture = demoFixture();
    fixture.workspace.id = "__proto__";
    const proto = await startEmulators({ segment: { now: () => T0, fixture }, datadog: { now: () => T0 } });
    try {
      const state = tempStatePath();
      const result = await runCli(["export", "--state", state, "--no-usage"], emulatorEnv(proto));
      expect(result.code).toBe(0);
      const workspaces = JSON.parse(readFileSync(state, "utf8")).workspaces;
      // An own key named __proto__, not the prototype: read it as a plain property.
      expect(Object.getOwnPropertyDescriptor(workspaces, "__proto__")?.value.slug).toBe(fixture.workspace.slug);
    } finally {
      await proto.close();
    }
  });

  it("SIGTERM while waiting out a 429 is exit 4, and a second SIGTERM is exit 4 at once", async () => {
    const seg = await hostile("segment", (req, forward) =>
      isDelivery(req.path) ? json(429, { errors: [{ type: "rate-limit" }] }, { "retry-after": "60" }) : forward(),
    );
    const env = emulatorEnv(emulators, { SEGMENT_API_URL: seg.url });
    const waitFor429 = async () => {
      const start = Date.now();
      while (!seg.seen.some((s) => isDelivery(s.path)) && Date.now() - start < 10_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
    };
    let pid = 0;
    const once = runCli(["export", "--state", tempStatePath(), "--no-usage", "--no-event-volume"], env, {
      onSpawn: (p) => (pid = p),
      timeoutMs: 30_000,
    });
    await waitFor429();
    process.kill(pid, "SIGTERM");
    const first = await once;
    expect(first.code).toBe(4);
    expect(first.stderr).not.toContain("operation was aborted");
    expect(first.stderr).toContain("SIGTERM");

    seg.seen.length = 0;
    const twice = runCli(["export", "--state", tempStatePath(), "--no-usage", "--no-event-volume"], env, {
      onSpawn: (p) => (pid = p),
      timeoutMs: 30_000,
    });
    await waitFor429();
    process.kill(pid, "SIGTERM");
    process.kill(pid, "SIGTERM");
    expect((await twice).code).toBe(4);
  });

  it("check --junit to an unwritable path is exit 2 before any request", async () => {
    const before = emulators.segment.requests.length;
    const result = await runCli(
      ["check", "--junit", join(tmpdir(), "no-such-folder-sde", "check.xml")],
      emulatorEnv(emulators),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--junit");
    expect(emulators.segment.requests.length).toBe(before);
  });
});

describe("terminal output", () => {
  it("control characters in upstream names are escaped in the destinations table", async () => {
    const fixture = demoFixture();
    const target = fixture.destinations[0];
    if (!target) throw new Error("fixture has no destination");
    target.name = "evil\u001b[2J\u0000name";
    const evil = await startEmulators({ segment: { now: () => T0, fixture }, datadog: { now: () => T0 } });
    try {
      const result = await runCli(["destinations"], emulatorEnv(evil));
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain("\u001b");
      expect(result.stdout).not.toContain("\u0000");
      expect(result.stdout).toContain("evil\\u{1b}[2J\\u{0}name");
    } finally {
      await evil.close();
    }
  });
});
