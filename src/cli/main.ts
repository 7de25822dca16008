// Entry point: builds the commander program, runs one command, maps the outcome to an exit code.
import { createRequire } from "node:module";
import { Command } from "commander";
import { ExitCode } from "../errors.js";
import { registerBackfill } from "./backfill.js";
import { registerCheck } from "./check.js";
import { registerDashboard } from "./dashboard.js";
import { registerDemo } from "./demo.js";
import { registerDestinations } from "./destinations.js";
import { describeFailure, PROGRAM } from "./errors.js";
import { registerExport } from "./export.js";
import { registerMonitors } from "./monitors.js";
import { registerSandbox } from "./sandbox.js";

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

export function buildProgram(): Command {
  const program = new Command(PROGRAM)
    .version(version)
    .description(
      "Exports Segment's Event Delivery metrics (per source→destination), event volume and usage to Datadog as metric series: counts once per bucket, percentiles as gauges, nothing lost between cron runs.",
    )
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      `
Quick start (no credentials): ${PROGRAM} demo
Settings come from flags, then the environment (SEGMENT_TOKEN, DD_API_KEY, DD_APP_KEY, DD_SITE, …), then defaults.
Run '${PROGRAM} <command> --help' for a command's flags and examples.`,
    );
  registerExport(program);
  registerBackfill(program);
  registerDestinations(program);
  registerCheck(program);
  registerDemo(program);
  registerSandbox(program);
  registerDashboard(program);
  registerMonitors(program);
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
    await buildProgram().parseAsync([...argv]);
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

const code = await main(process.argv);
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
// Exit explicitly: a keep-alive socket or a retry timer must not hold a cron job open.
process.exit(code);
