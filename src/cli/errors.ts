// Turns any failure into one stderr line and a documented exit code (design §5).
import { CommanderError } from "commander";
import { ExitCode, ExporterError, exitCodeOf, oneLine } from "../errors.js";
import { scrub } from "../secrets.js";
import { terminalSafe } from "../terminal.js";

export const PROGRAM = "segment-datadog-exporter";

export interface Failure {
  code: number;
  line: string | undefined;
}

export function describeFailure(error: unknown, debug: boolean): Failure {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") {
      return { code: ExitCode.ok, line: undefined };
    }
    if (error.code === "commander.help") return { code: ExitCode.usage, line: undefined };
    const message = error.message.replace(/^error:\s*/i, "");
    return { code: ExitCode.usage, line: `${PROGRAM}: ${oneLine(message)}; see '${PROGRAM} --help'` };
  }
  if (error instanceof ExporterError)
    return { code: exitCodeOf(error), line: `${PROGRAM}: ${terminalSafe(oneLine(scrub(error.message)))}` };
  const message = error instanceof Error ? error.message : String(error);
  const stack = debug && error instanceof Error && error.stack ? ` | ${oneLine(error.stack)}` : "";
  return {
    code: ExitCode.internal,
    line: `${PROGRAM}: internal error: ${terminalSafe(oneLine(scrub(message)))}${stack} (a bug: please report it with --log-level debug output)`,
  };
}
