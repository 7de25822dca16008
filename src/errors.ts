// Typed errors, one per exit code of design §5. The CLI maps an error to its code and prints
// its message as one line; messages name what is wrong and how to fix it, never a secret.

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  credentials: 3,
  partial: 4,
  threshold: 5,
  locked: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class ExporterError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** Bad flag, time, window, URL, config or state file: decided before any network request. */
export class UsageError extends ExporterError {
  readonly exitCode = ExitCode.usage;
  override readonly name = "UsageError";
}

/** Segment 401/403, Datadog 403, New Relic 403, remote write 401/403: retrying cannot help. */
export class CredentialError extends ExporterError {
  readonly exitCode = ExitCode.credentials;
  override readonly name = "CredentialError";
  constructor(
    /** "segment", or the sink's name. */
    readonly service: "segment" | "datadog" | "newrelic" | "prometheus",
    message: string,
  ) {
    super(message);
  }
}

/** Some work failed after retries; it stays pending for the next run. */
export class PartialFailureError extends ExporterError {
  readonly exitCode = ExitCode.partial;
  override readonly name = "PartialFailureError";
}

export class ThresholdError extends ExporterError {
  readonly exitCode = ExitCode.threshold;
  override readonly name = "ThresholdError";
}

export class LockedError extends ExporterError {
  readonly exitCode = ExitCode.locked;
  override readonly name = "LockedError";
}

/** An upstream answer we could not use (HTML page, invalid JSON, wrong shape, HTTP error). */
export class UpstreamError extends Error {
  override readonly name = "UpstreamError";
  constructor(
    message: string,
    readonly details: { status?: number; retryable: boolean; retryAfterMs?: number },
  ) {
    super(message);
  }
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof ExporterError ? error.exitCode : ExitCode.internal;
}

/** One line, whatever the error: newlines folded, so cron mail and log scrapers see one record. */
export function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " ").trim();
}
