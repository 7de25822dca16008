// pino on stderr: JSON lines when stderr is not a terminal (cron, CI, containers), a short
// human line on a terminal. Every line passes through the secret scrubber, so a token can't
// leak through a message, a nested field or an upstream error text. Stacks only at debug/trace.
import pino, { type Logger } from "pino";
import type { LogLevel } from "./log-levels.js";
import { REDACTED, scrub } from "./secrets.js";
import { terminalSafe } from "./terminal.js";

export { LOG_LEVELS, type LogLevel } from "./log-levels.js";
export { REDACTED, registerSecret, scrub } from "./secrets.js";

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

function prettyLine(json: string): string {
  try {
    const { level, time, msg, pid: _pid, hostname: _host, ...rest } = JSON.parse(json) as Record<string, unknown>;
    const clock = new Date(Number(time)).toISOString().slice(11, 19);
    const fields = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    // Messages and fields carry names from the network; on a terminal they must not act as controls,
    // and a newline in one must not forge a second log line.
    return `${terminalSafe(`${clock} ${LEVEL_NAMES[Number(level)] ?? level} ${String(msg ?? "")}${fields ? ` ${fields}` : ""}`)}\n`;
  } catch {
    return json;
  }
}

interface LoggerOptions {
  level?: LogLevel;
  /** Defaults to process.stderr; tests pass a collector. */
  write?: (line: string) => void;
  pretty?: boolean;
}

function errorSerializer(withStack: boolean) {
  return (err: unknown) => {
    if (!(err instanceof Error)) return err;
    const base: Record<string, unknown> = { type: err.name, message: err.message };
    const code = (err as { code?: unknown }).code;
    if (code !== undefined) base.code = code;
    if (withStack) base.stack = err.stack;
    return base;
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const withStack = level === "debug" || level === "trace";
  const stream = {
    write(chunk: string) {
      const clean = scrub(chunk);
      write(pretty ? prettyLine(clean) : clean);
    },
  };
  return pino(
    {
      level,
      base: undefined,
      serializers: { err: errorSerializer(withStack), error: errorSerializer(withStack) },
      // Belt and braces beside the scrubber: well-known secret-bearing keys never print at all.
      redact: {
        paths: ["token", "apiKey", "appKey", "authorization", "*.token", "*.apiKey", "*.appKey", "*.authorization"],
        censor: REDACTED,
      },
    },
    stream,
  );
}

/** A logger that drops everything: for library use and tests that don't look at logs. */
export const silentLogger: Logger = pino({ level: "silent" });
