// Entry point: builds the commander program, runs one command, maps the outcome to an exit code.
import { createRequire } from "node:module";
import { Command } from "commander";
import { ExitCode } from "../errors.js";
import { describeFailure, PROGRAM } from "./errors.js";

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

/**
 * The commands, in the order `--help` lists them. Only the command being run is loaded (with its
 * options, help and dependencies); the others stay a name and a summary. `--help`, a usage error or
 * a quick command therefore never pays for the emulators, the Datadog client or zod schemas it
 * does not use (issue #14: cold start).
 */
const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<(cmd: Command) => void> }> = [
  {
    name: "export",
    summary: "the cron job: export new and re-read buckets since the checkpoint",
    load: async () => (await import("./export.js")).registerExport,
  },
  {
    name: "backfill",
    summary: "export a past window once, chunked to Segment's limits, resumable",
    load: async () => (await import("./backfill.js")).registerBackfill,
  },
  {
    name: "destinations",
    summary: "list sources and their connected destinations",
    load: async () => (await import("./destinations.js")).registerDestinations,
  },
  {
    name: "check",
    summary: "CI smoke check: credentials, reachability, thresholds → exit code",
    load: async () => (await import("./check.js")).registerCheck,
  },
  {
    name: "demo",
    summary: "run export end to end against the embedded emulators (no credentials)",
    load: async () => (await import("./demo.js")).registerDemo,
  },
  {
    name: "sandbox",
    summary: "start both emulators and print settings to point the CLI at them",
    load: async () => (await import("./sandbox.js")).registerSandbox,
  },
  {
    name: "dashboard",
    summary:
      "create or update the Segment Event Delivery dashboard in Datadog (--sink: a file for Grafana or New Relic)",
    load: async () => (await import("./dashboard.js")).registerDashboard,
  },
  {
    name: "monitors",
    summary: "create or update the recommended monitors in Datadog (--sink: Prometheus rules or New Relic alerts)",
    load: async () => (await import("./monitors.js")).registerMonitors,
  },
];

/** The command named on the command line (`help <command>` included), if any. */
function commandNamed(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  const first = words[0] === "help" ? words[1] : words[0];
  return COMMANDS.some((c) => c.name === first) ? first : undefined;
}

export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command(PROGRAM)
    .version(version)
    .description(
      "Exports Segment's Event Delivery metrics (per source→destination), event volume and usage to Datadog as metric series: counts once per bucket, percentiles as gauges, nothing lost between cron runs.",
    )
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      `
Example:
  ${PROGRAM} demo      # quick start: export against the embedded emulators, no credentials

Settings come from flags, then the environment (SEGMENT_TOKEN, DD_API_KEY, DD_APP_KEY, DD_SITE, …), then defaults.
Run '${PROGRAM} <command> --help' for a command's flags and examples.`,
    );
  const wanted = commandNamed(args);
  for (const entry of COMMANDS) {
    const cmd = program.command(entry.name).summary(entry.summary);
    if (entry.name === wanted) (await entry.load())(cmd);
  }
  // Every command: no help dump after errors, and errors come back to us instead of process.exit.
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride().configureOutput({ outputError: () => {} });
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = argv.slice(2);
  if (args.length === 0) {
    process.stderr.write(
      `${PROGRAM}: no command given; run '${PROGRAM} --help' to see the commands (start with 'demo')\n`,
    );
    return ExitCode.usage;
  }
  try {
    await (await buildProgram(args)).parseAsync([...argv]);
    return ExitCode.ok;
  } catch (error) {
    const failure = describeFailure(error, args.includes("debug") || args.includes("trace"));
    if (failure.line) process.stderr.write(`${failure.line}\n`);
    return failure.code;
  }
}

/** How long an exiting process waits for a reader to take what is left of its output. */
const FLUSH_LIMIT_MS = 30_000;

/**
 * Resolves once everything written to `stream` has been handed to the OS. `process.exit()` right
 * after a large write to a pipe cuts it at the pipe's buffer (64 KiB), so every command ends here.
 * Bounded: a reader that stopped reading must not hold a cron job open forever.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, FLUSH_LIMIT_MS);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    // A closed reader (`| head`) is EPIPE: nothing more can be delivered, which is not our failure.
    stream.once("error", done);
    stream.write("", done);
  });
}

// A reader that goes away mid-run (`export --dry-run | head -3`) makes the next write fail with EPIPE:
// nothing more can be delivered there, which is not the run's failure, and it must not end in a stack
// trace. Other stream errors stay errors.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

const code = await main(process.argv);
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
// Exit explicitly: a keep-alive socket or a retry timer must not hold a cron job open.
process.exit(code);
