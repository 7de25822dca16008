// `sandbox`: both emulators on loopback until SIGINT/SIGTERM, with ready-to-paste settings.
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { DEFAULT_PREFIX } from "../mapping/prefix.js";

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new UsageError(`${flag}: '${value}' is not a port; use 1–65535, or 0 for any free port`);
  return n;
}

export function registerSandbox(cmd: Command): void {
  cmd
    .description(
      "Starts the Segment Public API emulator and the Datadog intake emulator on 127.0.0.1 and prints `export NAME=value` lines for SEGMENT_API_URL, SEGMENT_TOKEN, DD_API_URL, DD_API_KEY and DD_APP_KEY (for `dashboard` and `monitors`) on stdout. Runs until Ctrl-C (SIGINT) or SIGTERM. Stored points can be inspected at $DD_API_URL/_emulator/series.",
    )
    .option("--segment-port <port>", "port of the Segment emulator (default: any free port)")
    .option("--datadog-port <port>", "port of the Datadog emulator (default: any free port)")
    .option("--historical", "enable historical ingestion for the default prefix in the Datadog emulator")
    .addHelpText(
      "after",
      '\nExample:\n  eval "$(segment-datadog-exporter sandbox &)"   # or copy the printed lines into another shell',
    )
    .action(async (flags: { segmentPort?: string; datadogPort?: string; historical?: boolean }) => {
      // Loaded when the command runs, not for --help or a usage error elsewhere (cold start).
      const { startEmulators } = await import("../emulator/index.js");
      const segmentPort = port(flags.segmentPort, "--segment-port");
      const datadogPort = port(flags.datadogPort, "--datadog-port");
      const emulators = await startEmulators({
        segment: segmentPort === undefined ? {} : { port: segmentPort },
        datadog: {
          ...(datadogPort === undefined ? {} : { port: datadogPort }),
          ...(flags.historical ? { historical: [`${DEFAULT_PREFIX}.*`] } : {}),
        },
      }).catch((error: { code?: string; port?: number }) => {
        // A taken or forbidden port is the user's choice to change: exit 2 naming the flag.
        if (error?.code !== "EADDRINUSE" && error?.code !== "EACCES") throw error;
        const flag = error.port === segmentPort ? "--segment-port" : "--datadog-port";
        const why = error.code === "EADDRINUSE" ? "is already in use" : "may not be opened by this user";
        throw new UsageError(`${flag}: port ${error.port} ${why}; choose another port, or 0 for any free one`);
      });
      process.stdout.write(
        [
          `export SEGMENT_API_URL=${emulators.segment.url}`,
          `export SEGMENT_TOKEN=${emulators.segment.token}`,
          `export DD_API_URL=${emulators.datadog.url}`,
          `export DD_API_KEY=${emulators.datadog.apiKey}`,
          `export DD_APP_KEY=${emulators.datadog.appKey}`,
          "",
        ].join("\n"),
      );
      process.stderr.write(
        `sandbox: emulators running (stored points: ${emulators.datadog.url}/_emulator/series); stop with Ctrl-C\n`,
      );
      // Wait for a signal only: stdin may be closed (cron, CI, `&`), which must not stop us.
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await emulators.close();
      process.stderr.write("sandbox: stopped\n");
    });
}
