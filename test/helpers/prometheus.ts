// A real Prometheus (Debian's package: `prometheus` 2.42 and `promtool`, installed by .ci/run) for
// the tests that check the remote-write wire and generated rules against the real thing. Locally
// these tests run when the binaries are on the PATH; in CI (CI=true) a missing binary fails them.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { request } from "undici";

/** The absolute path of an executable on the PATH, or undefined. */
export function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Whether a test needing `binary` runs: always in CI (where its absence is then a failure). */
export const runsWith = (binary: string): boolean => process.env.CI === "true" || onPath(binary) !== undefined;

function required(binary: string): string {
  const path = onPath(binary);
  if (!path) throw new Error(`${binary} is not on the PATH: install Debian's prometheus package (.ci/run does)`);
  return path;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port from the loopback listener");
  return address.port;
}

/** One sample as the HTTP API returns it: time in ms, value parsed from its string. */
export interface QueriedSample {
  timestampMs: number;
  value: number;
}

export interface QueriedSeries {
  labels: Record<string, string>;
  samples: QueriedSample[];
}

export interface RealPrometheus {
  url: string;
  writeUrl: string;
  /** Every raw sample of the series `selector` matches in (time − range, time]: `selector[range]` at `timeMs`. */
  rawSamples(selector: string, range: string, timeMs: number): Promise<QueriedSeries[]>;
  stop(): Promise<void>;
}

interface MatrixAnswer {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    try {
      const res = await request(`${url}/-/ready`);
      await res.body.text();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`prometheus not ready after 30 s: ${stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts Prometheus on a free loopback port with the remote-write receiver on, a temporary TSDB and a
 * configuration that scrapes nothing (so the only series are the ones written). stop() ends the
 * process and deletes the directory.
 */
export async function startPrometheus(): Promise<RealPrometheus> {
  const binary = required("prometheus");
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary);
    } catch (error) {
      // Another process may take the free port between our probe and Prometheus' bind.
      if (attempt === 3 || !String(error).includes("address already in use")) throw error;
    }
  }
}

async function startOnce(binary: string): Promise<RealPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "sde-prometheus-"));
  const config = join(dir, "prometheus.yml");
  await writeFile(config, "global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\n");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-remote-write-receiver",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let errors = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    errors = (errors + chunk.toString("utf8")).slice(-4000);
  });
  try {
    await waitReady(url, child, () => errors);
  } catch (error) {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    writeUrl: `${url}/api/v1/write`,
    async rawSamples(selector, range, timeMs) {
      const query = new URLSearchParams({ query: `${selector}[${range}]`, time: String(timeMs / 1000) });
      const res = await request(`${url}/api/v1/query?${query}`);
      const answer = (await res.body.json()) as MatrixAnswer;
      if (answer.status !== "success" || answer.data?.resultType !== "matrix")
        throw new Error(`query ${selector}[${range}] failed: ${answer.error ?? JSON.stringify(answer)}`);
      return answer.data.result.map((r) => ({
        labels: r.metric,
        samples: r.values.map(([t, v]) => ({ timestampMs: Math.round(t * 1000), value: Number(v) })),
      }));
    },
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `promtool check rules FILE`: ok when it exits 0; output is its stdout and stderr together. */
export function checkRules(file: string): Promise<{ ok: boolean; output: string }> {
  const promtool = required("promtool");
  return new Promise((resolve) => {
    execFile(promtool, ["check", "rules", file], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, output: `${stdout}${stderr}` });
    });
  });
}
