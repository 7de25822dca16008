// The HTTP edge of the sinks that talk to their backend directly (New Relic, remote write): one POST
// through undici on the sink's own keep-alive agent, a deadline held by a timer that covers the body
// too (deadline.ts), no redirects followed (they would carry the key elsewhere), an answer body read
// up to a cap; and the retry loop around it, which honours Retry-After within design §5's bounds.
import { setTimeout as sleep } from "node:timers/promises";
import pRetry from "p-retry";
import type { Logger } from "pino";
import { Agent, type Dispatcher, request } from "undici";
import { deadline, stopReason } from "../deadline.js";
import { CredentialError, UpstreamError } from "../errors.js";
import { retryHintMs } from "../segment/hints.js";
import { RETRYABLE_CODES } from "../segment/http.js";
import { boundedWait } from "../segment/waits.js";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text, at most MAX_ANSWER_BYTES of it (an error text is all we read). */
  text: string;
}

/** An answer body is only ever an error message: more than this is not read. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface PostOptions {
  dispatcher: Dispatcher;
  timeoutMs: number;
  /** The run's stop signal: aborts the request in flight. */
  signal?: AbortSignal | undefined;
  /** The backend's name for messages: "New Relic". */
  label: string;
}

/** One POST; transport failures and timeouts become UpstreamError (retryable where a retry may pass). */
export async function post(
  url: string,
  headers: Record<string, string>,
  body: Uint8Array,
  options: PostOptions,
): Promise<Answer> {
  const guard = deadline(options.timeoutMs, [options.signal]);
  try {
    const response = await request(url, {
      method: "POST",
      dispatcher: options.dispatcher,
      headers: { ...headers, "content-length": String(body.byteLength) },
      body,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal: guard.signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      if (size < MAX_ANSWER_BYTES) chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    const text = Buffer.concat(chunks).toString("utf8").slice(0, MAX_ANSWER_BYTES);
    return { status: response.statusCode, headers: response.headers, text };
  } catch (error) {
    throw transportError(error, url, options);
  } finally {
    guard.dispose();
  }
}

function transportError(error: unknown, url: string, options: PostOptions): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const host = hostOf(url);
  if (options.signal?.aborted) {
    return new UpstreamError(`${options.label} request to ${host} stopped: ${stopReason(options.signal)}`, {
      retryable: false,
    });
  }
  const err = error as { name?: string; code?: string };
  if (err.name === "TimeoutError" || err.name === "AbortError" || err.code === "UND_ERR_HEADERS_TIMEOUT") {
    return new UpstreamError(`${options.label} request to ${host} timed out after ${options.timeoutMs} ms`, {
      retryable: true,
    });
  }
  const code = err.code ?? err.name ?? "error";
  return new UpstreamError(`${options.label} request to ${host} failed: ${code}`, {
    retryable: RETRYABLE_CODES.has(code),
  });
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The first line of an error body, short, or what came instead of text. */
export function describeAnswer(answer: Answer, max = 200): string {
  const text = answer.text.trim();
  if (text === "") return "an empty body";
  if (/^</.test(text)) return "an HTML page (a gateway or proxy error)";
  return text.split("\n")[0]?.slice(0, max) ?? "";
}

/** Retry what may pass later: timeouts, throttling, server errors. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A 429 without Retry-After waits this long (New Relic's Java SDK does the same). */
export const DEFAULT_THROTTLE_WAIT_MS = 10_000;

/** The UpstreamError of a non-2xx answer: retryable or not, with the wait a 429 asks for. */
export function answerError(label: string, answer: Answer): UpstreamError {
  const retryAfterMs =
    answer.status === 429 ? (retryHintMs(answer.headers, undefined) ?? DEFAULT_THROTTLE_WAIT_MS) : undefined;
  return new UpstreamError(`${label} answered HTTP ${answer.status}: ${describeAnswer(answer)}`, {
    status: answer.status,
    retryable: retryableStatus(answer.status),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

export interface RetryOptions {
  retries: number;
  minBackoffMs: number;
  signal?: AbortSignal | undefined;
  /** When the run must stop: a wait asked for past it is not waited (the batch stays pending). */
  deadlineAt?: number | undefined;
  logger: Logger;
  /** For messages: "New Relic submit". */
  what: string;
}

/**
 * One operation, retried while what failed may pass later. A server's Retry-After is waited (at most
 * 5 minutes, and never past the run's deadline: then the operation fails at once), with our jittered
 * backoff on top so a retry never comes sooner.
 */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { signal } = options;
  try {
    return await pRetry(attempt, {
      retries: options.retries,
      minTimeout: options.minBackoffMs,
      maxTimeout: 20_000,
      randomize: true,
      ...(signal ? { signal } : {}),
      shouldRetry: ({ error }) => error instanceof UpstreamError && error.details.retryable,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (!(error instanceof UpstreamError) || !error.details.retryable || retriesLeft === 0) return;
        options.logger.debug({ attempt: attemptNumber, err: error }, `${options.what} failed; retrying`);
        const hint = error.details.retryAfterMs;
        // A wait past the deadline throws: p-retry stops and this operation fails now.
        if (hint !== undefined && hint > 0)
          await sleep(boundedWait(hint, options.deadlineAt, options.what), undefined, { signal });
      },
    });
  } catch (error) {
    if (signal?.aborted && !(error instanceof UpstreamError) && !(error instanceof CredentialError)) {
      throw new UpstreamError(`${options.what} stopped: ${stopReason(signal)}`, { retryable: false });
    }
    throw error;
  }
}

export interface BackendClientOptions {
  url: string;
  headers: Record<string, string>;
  /** The backend for messages: "New Relic", "the remote-write receiver". */
  label: string;
  /** Who refused, for exit 3: the sink's name. */
  service: CredentialError["service"];
  /** The message of a 401/403 (without the secret). */
  refused(answer: Answer, host: string): string;
  /** The setting the URL came from, and what a redirect would carry elsewhere ("the license key"). */
  urlFrom: string;
  secret: string;
  logger: Logger;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  deadlineAt?: number | undefined;
  retries?: number | undefined;
  minBackoffMs?: number | undefined;
}

/**
 * One backend endpoint as the sinks post to it: 2xx is acceptance, 401/403 a CredentialError, a
 * redirect is not followed (the secret would go with it), anything else an UpstreamError, retried
 * while it may pass later. Keep-alive connections of its own, closed with it.
 */
export class BackendClient {
  private readonly dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 4 });
  readonly host: string;

  constructor(private readonly options: BackendClientOptions) {
    this.host = hostOf(options.url);
  }

  private async attempt(body: Uint8Array): Promise<void> {
    const { options, host } = this;
    const answer = await post(options.url, options.headers, body, {
      dispatcher: this.dispatcher,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      label: options.label,
    });
    if (answer.status >= 200 && answer.status < 300) return;
    if (answer.status === 401 || answer.status === 403)
      throw new CredentialError(options.service, options.refused(answer, host));
    if (answer.status >= 300 && answer.status < 400) {
      throw new UpstreamError(
        `${options.label} (${host}) answered a redirect (HTTP ${answer.status}); not followed, so ${options.secret} stays with the configured host: check ${options.urlFrom}`,
        { status: answer.status, retryable: false },
      );
    }
    throw answerError(`${options.label} (${host})`, answer);
  }

  /** Posts `body`, with retries; each attempt counts in `counter.requests`. */
  send(what: string, body: Uint8Array, counter: { requests: number }): Promise<void> {
    const { options } = this;
    return withRetries(
      () => {
        counter.requests += 1;
        return this.attempt(body);
      },
      {
        retries: options.retries ?? 4,
        minBackoffMs: options.minBackoffMs ?? 500,
        signal: options.signal,
        deadlineAt: options.deadlineAt,
        logger: options.logger,
        what: `${options.label} ${what}`,
      },
    );
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
