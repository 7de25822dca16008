// Runs the built CLI as a child process (asynchronously, so emulators in this process keep serving).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/segment-datadog-exporter", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: nothing from the developer's shell leaks into the run. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: "" };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** The settings that point the CLI at a pair of emulators (what `sandbox` prints). */
export function emulatorEnv(
  emulators: { segment: { url: string; token: string }; datadog: { url: string; apiKey: string } },
  extra: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  return cleanEnv({
    SEGMENT_API_URL: emulators.segment.url,
    SEGMENT_TOKEN: emulators.segment.token,
    DD_API_URL: emulators.datadog.url,
    DD_API_KEY: emulators.datadog.apiKey,
    ...extra,
  });
}

export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { timeoutMs?: number; onSpawn?: (pid: number) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
