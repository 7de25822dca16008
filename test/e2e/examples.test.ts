// Issue #22: every example in the commands' --help and in the README's shell blocks works as
// written. Each block runs as one bash session (a user pasting it line by line) against a fresh
// set of emulators, in a fresh folder and HOME, with the settings `sandbox --historical` prints
// in the environment; each line's exit code is checked. Examples that cannot run here are listed
// below with the reason, and a rule that matches no example fails, so the list cannot go stale.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startEmulators } from "../../src/emulator/index.js";
import { BIN, cleanEnv, runCli } from "../helpers/cli.js";
import {
  asShell,
  type ExampleBlock,
  exporterCalls,
  helpCommands,
  helpExamples,
  markdownShellBlocks,
  withoutComment,
} from "../helpers/examples.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** A session that has not ended by then is stopped and fails (e.g. an example that never returns). */
const SESSION_TIMEOUT_MS = 60_000;

/** Examples not run here, and why. Each rule must match at least one example. */
const SKIPPED: ReadonlyArray<{ match: RegExp; why: string }> = [
  {
    match: /^npm ci && \.\/bin\/segment-datadog-exporter demo\b/,
    why: "npm ci would reinstall node_modules of the checkout under test; `demo` itself runs as the root --help example",
  },
  { match: /^npm (ci && npm )?test\b/, why: "runs this test suite" },
  {
    match: /^npm run (typecheck|lint)\b/,
    why: "checks of the code, run before every commit; ~20 s of CPU that would double this test's time",
  },
  { match: /^npm run bench\b/, why: "takes 7–8 minutes (bench/README.md)" },
  { match: /^docker (build|run)\b/, why: "needs a Docker daemon and an image build; this machine has neither" },
  {
    match: /\/opt\/segment-datadog-exporter\//,
    why: "a crontab entry for an install under /opt that reads $HOME/.segment-exporter.env; the same export command runs as export --help's crontab line",
  },
];

/** Lines whose documented outcome is not always exit 0. */
const EXIT_CODES: ReadonlyArray<{ match: RegExp; codes: number[]; why: string }> = [
  {
    match: /segment-datadog-exporter check\b/,
    codes: [0, 5],
    why: "check exits 5 when a threshold is missed, which is the command working: the emulator's connections hover around 99 % success",
  },
];

const skipReason = (line: string) => SKIPPED.find((s) => s.match.test(line))?.why;
const allowedCodes = (line: string) => EXIT_CODES.find((e) => e.match.test(line))?.codes ?? [0];
/** Comment-only and blank lines are part of a session but not examples of their own. */
const isExample = (line: string) => line.trim() !== "" && !line.trimStart().startsWith("#");

// Collected before the tests are defined: the help texts as users see them, from the built CLI.
const rootHelp = (await runCli(["--help"], cleanEnv())).stdout;
const commands = helpCommands(rootHelp);
const helpTexts = await Promise.all(
  commands.map(async (command) => ({ command, text: (await runCli([command, "--help"], cleanEnv())).stdout })),
);
const BLOCKS: ExampleBlock[] = [
  { source: "--help", lines: helpExamples(rootHelp) },
  ...helpTexts.map(({ command, text }) => ({ source: `${command} --help`, lines: helpExamples(text) })),
  ...markdownShellBlocks(readFileSync(join(ROOT, "README.md"), "utf8"), "README"),
].filter((block) => block.lines.some(isExample));

/** Commands and flags a line gives the CLI that its --help does not know (a typo, or a renamed flag). */
function unknownWords(line: string): string[] {
  return exporterCalls(line).flatMap(({ command, flags }) => {
    const help = command === undefined ? rootHelp : helpTexts.find((h) => h.command === command)?.text;
    if (help === undefined) return [`command ${command}`];
    return flags.filter((flag) => !new RegExp(`(^|[\\s,])${flag}\\b`, "m").test(help));
  });
}

interface Session {
  /** Exit code of each line that ran, in order. */
  codes: number[];
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs lines as one bash script in a fresh folder whose `bin/` and PATH hold the built executable. */
async function runSession(lines: readonly string[], env: Record<string, string>): Promise<Session> {
  const dir = mkdtempSync(join(tmpdir(), "sde-examples-"));
  mkdirSync(join(dir, "path"));
  symlinkSync(BIN, join(dir, "path", "segment-datadog-exporter"));
  symlinkSync(dirname(BIN), join(dir, "bin")); // for ./bin/segment-datadog-exporter
  // After each line, its exit code goes to fd 3; `wait` at the end: nothing may keep running.
  const script = ["exec 3>exit-codes", ...lines.flatMap((line) => [asShell(line), 'echo "$?" >&3']), "wait", ""];
  writeFileSync(join(dir, "session.sh"), script.join("\n"));
  const child = spawn("bash", ["session.sh"], {
    cwd: dir,
    env: cleanEnv({ ...env, HOME: dir, PATH: `${join(dir, "path")}:${process.env.PATH}` }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so whatever it started can be stopped with it
  });
  const group = -(child.pid ?? 0);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(group, "SIGKILL");
  }, SESSION_TIMEOUT_MS);
  try {
    await new Promise<void>((resolve) => child.on("close", () => resolve()));
    const codes = readFileSync(join(dir, "exit-codes"), "utf8").split("\n").filter(Boolean).map(Number);
    return { codes, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
    try {
      process.kill(group, "SIGKILL"); // nothing should be left; if something is, it goes now
    } catch {
      // ESRCH: the group is empty, as it should be
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("examples", () => {
  it("finds the examples of every command's --help and of the README, and every rule above matches one", () => {
    const withExamples = helpTexts.filter(({ text }) => /^Examples?\b/m.test(text)).map(({ command }) => command);
    // Every command but demo shows examples; each was found.
    expect(withExamples).toEqual(commands.filter((c) => c !== "demo"));
    for (const command of withExamples)
      expect(BLOCKS.find((b) => b.source === `${command} --help`)?.lines.length).toBeGreaterThan(0);
    expect(BLOCKS.filter((b) => b.source.startsWith("README")).length).toBeGreaterThanOrEqual(8);
    const lines = BLOCKS.flatMap((b) => b.lines).filter(isExample);
    for (const rule of [...SKIPPED, ...EXIT_CODES])
      expect(
        lines.some((l) => rule.match.test(l)),
        String(rule.match),
      ).toBe(true);
    // Every placeholder is one the sessions can fill in.
    for (const line of lines) expect(() => asShell(line)).not.toThrow();
    // The check of lines not run here sees what it should: a wrong command or flag.
    expect(unknownWords("segment-datadog-exporter export --max-duration 4m --no-usage")).toEqual([]);
    expect(unknownWords("/opt/x/bin/segment-datadog-exporter export --max-durration 4m | head")).toEqual([
      "--max-durration",
    ]);
    expect(unknownWords("docker run -v s:/var/lib/segment-datadog-exporter segment-datadog-exporter")).toEqual([]);
    expect(unknownWords("docker build -t segment-datadog-exporter .")).toEqual([]);
    expect(unknownWords("segment-datadog-exporter exprt")).toEqual(["command exprt"]);
  });

  // One describe per block (not describe.each, whose names are cut at 40 characters).
  for (const block of BLOCKS)
    describe.concurrent(block.source, () => {
      const runnable = block.lines.filter((line) => skipReason(line) === undefined);
      const skipped = block.lines.filter((line) => isExample(line) && skipReason(line) !== undefined);
      const notRun = skipped.map((line) => `'${withoutComment(line)}': ${skipReason(line)}`).join("; ");

      if (!runnable.some(isExample))
        it(`is not run here (${notRun}), but names only commands and flags that exist`, () => {
          for (const line of skipped) expect(unknownWords(line), line).toEqual([]);
        });
      else
        it(`runs as written${notRun ? ` (not run here: ${notRun})` : ""}`, {
          timeout: SESSION_TIMEOUT_MS + 30_000,
        }, async () => {
          const emulators = await startEmulators({ datadog: { historical: ["segment_exporter.*"] } });
          try {
            const session = await runSession(runnable, {
              SEGMENT_API_URL: emulators.segment.url,
              SEGMENT_TOKEN: emulators.segment.token,
              DD_API_URL: emulators.datadog.url,
              DD_API_KEY: emulators.datadog.apiKey,
              DD_APP_KEY: emulators.datadog.appKey,
              NEW_RELIC_LICENSE_KEY: emulators.newrelic.licenseKey,
              NEW_RELIC_METRIC_API_URL: emulators.newrelic.metricUrl,
              PROMETHEUS_REMOTE_WRITE_URL: emulators.prometheus.writeUrl,
            });
            const context = `\n--- stdout\n${session.stdout.slice(-2000)}\n--- stderr\n${session.stderr.slice(-2000)}`;
            expect(session.timedOut, `the session did not end within ${SESSION_TIMEOUT_MS / 1000} s${context}`).toBe(
              false,
            );
            expect(session.codes.length, `not every line ran${context}`).toBe(runnable.length);
            runnable.forEach((line, i) => {
              expect(allowedCodes(line), `exit code of: ${line}${context}`).toContain(session.codes[i]);
            });
            // An exit code hidden by a pipe (`| head`, `| jq`) still cannot hide a crash.
            expect(session.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
          } finally {
            await emulators.close();
          }
        });
    });
});
