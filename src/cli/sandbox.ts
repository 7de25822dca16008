// `sandbox`: both emulators on loopback until SIGINT/SIGTERM, with ready-to-paste settings.
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { DEFAULT_PREFIX } from "../mapping/prefix.js";

/**
 * What `sandbox` prints: one `export NAME=value` line per setting (design §5), then a comment saying
 * where to look at what was stored; comments keep the text safe to `eval` or `source` as a whole.
 * The state file is the sandbox's own: it lives as long as the emulators whose data it tracks (a
 * state kept from an earlier sandbox would skip the new one's buckets), and runs against the
 * sandbox never touch the default state of real exports.
 */
function sandboxSettings(
  emulators: {
    segment: { url: string; token: string };
    datadog: { url: string; apiKey: string; appKey: string };
    newrelic: { url: string; metricUrl: string; licenseKey: string };
    prometheus: { url: string; writeUrl: string };
  },
  statePath: string,
): string {
  const dd = emulators.datadog.url;
  return [
    `export SEGMENT_API_URL=${emulators.segment.url}`,
    `export SEGMENT_TOKEN=${emulators.segment.token}`,
    `export DD_API_URL=${dd}`,
    `export DD_API_KEY=${emulators.datadog.apiKey}`,
    `export DD_APP_KEY=${emulators.datadog.appKey}`,
    `export SEGMENT_EXPORTER_STATE=${statePath}`,
    `# what was stored, as JSON: ${dd}/_emulator/series (one series: ?metric=NAME), ${dd}/_emulator/dashboards, ${dd}/_emulator/monitors`,
    // The other sinks (design §5): used with --sink newrelic or --sink prometheus.
    `export NEW_RELIC_LICENSE_KEY=${emulators.newrelic.licenseKey}`,
    `export NEW_RELIC_METRIC_API_URL=${emulators.newrelic.metricUrl}`,
    `export PROMETHEUS_REMOTE_WRITE_URL=${emulators.prometheus.writeUrl}`,
    `# --sink newrelic or --sink prometheus with a --state file of its own (one sink per state file); stored: ${emulators.newrelic.url}/_emulator/points, ${emulators.prometheus.url}/_emulator/series`,
    "",
  ].join("\n");
}

/** Replaced by rename, so a shell waiting for the file never reads half of it. */
async function writeSettingsFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    const code = (error as { code?: string }).code ?? "error";
    throw new UsageError(
      `--settings-file: cannot write ${path} (${code}); choose a file in a folder that exists and is writable`,
    );
  }
}

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new UsageError(`${flag}: '${value}' is not a port; use 1–65535, or 0 for any free port`);
  return n;
}

interface SandboxFlags {
  segmentPort?: string;
  datadogPort?: string;
  newrelicPort?: string;
  prometheusPort?: string;
  historical?: boolean;
  settingsFile?: string;
}

export function registerSandbox(cmd: Command): void {
  cmd
    .description(
      "Starts the Segment Public API emulator and one emulator per sink (the Datadog intake, New Relic's Metric API, a Prometheus remote-write receiver) on 127.0.0.1 and prints `export NAME=value` lines for SEGMENT_API_URL, SEGMENT_TOKEN, DD_API_URL, DD_API_KEY, DD_APP_KEY (for `dashboard` and `monitors`) and SEGMENT_EXPORTER_STATE (a state file of its own, deleted when it stops) on stdout, a comment line with where to see what was stored ($DD_API_URL/_emulator/series, …/dashboards, …/monitors), then NEW_RELIC_LICENSE_KEY, NEW_RELIC_METRIC_API_URL and PROMETHEUS_REMOTE_WRITE_URL for --sink newrelic and --sink prometheus. Runs until Ctrl-C (SIGINT) or SIGTERM. Run it in its own terminal and paste the lines into another shell, or in the background with --settings-file.",
    )
    .option("--segment-port <port>", "port of the Segment emulator (default: any free port)")
    .option("--datadog-port <port>", "port of the Datadog emulator (default: any free port)")
    .option("--newrelic-port <port>", "port of the New Relic emulator (default: any free port)")
    .option("--prometheus-port <port>", "port of the remote-write emulator (default: any free port)")
    .option("--historical", "enable historical ingestion for the default prefix in the Datadog emulator")
    .option(
      "--settings-file <file>",
      "also write the settings to FILE (mode 0600) once the emulators listen; removed when the sandbox stops",
    )
    .addHelpText(
      "after",
      `
Examples (one shell; the sandbox runs in the background):
  segment-datadog-exporter sandbox --settings-file sde.env &   # starts the emulators; writes sde.env when ready
  while [ ! -f sde.env ]; do sleep 0.1; done; . ./sde.env      # wait for the settings, then load them
  segment-datadog-exporter export                               # exports into the Datadog emulator
  curl -s "$DD_API_URL/_emulator/series?metric=segment_exporter.events.volume" | head -c 300; echo
  kill $!                                                      # stops the sandbox; it removes sde.env`,
    )
    .action(async (flags: SandboxFlags) => {
      // Loaded when the command runs, not for --help or a usage error elsewhere (cold start).
      const { startEmulators } = await import("../emulator/index.js");
      const ports = {
        "--segment-port": port(flags.segmentPort, "--segment-port"),
        "--datadog-port": port(flags.datadogPort, "--datadog-port"),
        "--newrelic-port": port(flags.newrelicPort, "--newrelic-port"),
        "--prometheus-port": port(flags.prometheusPort, "--prometheus-port"),
      };
      const on = (flag: keyof typeof ports) => (ports[flag] === undefined ? {} : { port: ports[flag] });
      const emulators = await startEmulators({
        segment: on("--segment-port"),
        datadog: { ...on("--datadog-port"), ...(flags.historical ? { historical: [`${DEFAULT_PREFIX}.*`] } : {}) },
        newrelic: on("--newrelic-port"),
        prometheus: on("--prometheus-port"),
      }).catch((error: { code?: string; port?: number }) => {
        // A taken or forbidden port is the user's choice to change: exit 2 naming the flag.
        if (error?.code !== "EADDRINUSE" && error?.code !== "EACCES") throw error;
        const flag = Object.entries(ports).find(([, p]) => p === error.port)?.[0] ?? "--segment-port";
        const why = error.code === "EADDRINUSE" ? "is already in use" : "may not be opened by this user";
        throw new UsageError(`${flag}: port ${error.port} ${why}; choose another port, or 0 for any free one`);
      });
      const stateDir = await mkdtemp(join(tmpdir(), "segment-datadog-exporter-sandbox-"));
      const stop = async () => {
        // The settings file goes with the emulators, so a later wait for it never loads a dead sandbox's.
        if (flags.settingsFile !== undefined) await rm(flags.settingsFile, { force: true });
        await rm(stateDir, { recursive: true, force: true });
        await emulators.close();
      };
      const settings = sandboxSettings(emulators, join(stateDir, "state.json"));
      if (flags.settingsFile !== undefined)
        await writeSettingsFile(flags.settingsFile, settings).catch(async (error: unknown) => {
          await stop();
          throw error;
        });
      process.stdout.write(settings);
      process.stderr.write(
        `sandbox: emulators running (stored points: ${emulators.datadog.url}/_emulator/series); stop with Ctrl-C or kill ${process.pid}\n`,
      );
      // Wait for a signal only: stdin may be closed (cron, CI, `&`), which must not stop us.
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      await stop();
      process.stderr.write("sandbox: stopped\n");
    });
}
