// The one door to the Segment Public API: undici, Bearer token, the {data}/{errors} envelope,
// zod validation of every answer, a timeout on every request, retries for what is retryable.

import { createHash } from "node:crypto";
import { setTimeout as sleep, setImmediate as yieldTurn } from "node:timers/promises";
import pRetry from "p-retry";
import type { Logger } from "pino";
import { Agent, type Dispatcher, request } from "undici";
import type { z } from "zod";
import { deadline, stopReason } from "../deadline.js";
import { CredentialError, UpstreamError } from "../errors.js";
import type { RateBudget } from "./budget.js";
import { retryHintMs } from "./hints.js";
import { encodeQuery, type QueryValue } from "./query.js";
import { boundedWait } from "./waits.js";

export interface SegmentHttpOptions {
  baseUrl: string;
  token: string;
  logger: Logger;
  /** Per request, headers and body together. */
  timeoutMs?: number;
  retries?: number;
  /** Smallest backoff step; tests shrink it. */
  minBackoffMs?: number;
  /** Aborts every request and retry wait (the run's deadline). */
  signal?: AbortSignal;
  /** Called once per HTTP answer (or transport failure) for self-monitoring. */
  onCall?: (endpoint: string, status: number | "error") => void;
  /** The run's shared request budget; every request waits for it and reports back to it. */
  budget?: RateBudget;
  /** When the run must stop (epoch ms, `Date.now` clock): a server-asked wait past it is not waited. */
  deadlineAt?: number | undefined;
  dispatcher?: Dispatcher;
  /** The run's request slots (its concurrency); the pool keeps twice as many sockets. */
  connections?: number;
}

export interface GetOptions {
  /** Short endpoint name for logs and self-metrics, e.g. `delivery-metrics`. */
  endpoint: string;
  /** Versioned media type for endpoints that exist only in beta (reference §2.3). */
  accept?: string;
}

/** A Segment answer larger than this is refused rather than held in memory. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const USER_AGENT = "segment-datadog-exporter (+https://github.com/segment-datadog-exporter)";
/** Transport failures a retry may get past (the sinks' HTTP edge retries the same ones). */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

export class SegmentHttp {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  /** Budget scope: one per token, without keeping the token itself as a key. */
  private readonly scope: string;

  constructor(private readonly options: SegmentHttpOptions) {
    this.scope = createHash("sha256").update(options.token).digest("hex").slice(0, 12);
    this.ownsDispatcher = options.dispatcher === undefined;
    // Two sockets per request slot. Fewer than one per slot would queue requests inside undici, unseen. And
    // undici writes to a kept-alive socket at the end of a turn of the event loop (once it has checked that
    // the server did not close it), to a socket whose answer just came a turn later still: a spare socket
    // lets a request that an answer made room for leave in that answer's turn.
    this.dispatcher =
      options.dispatcher ??
      new Agent({ keepAliveTimeout: 10_000, connections: 2 * Math.max(1, options.connections ?? 16) });
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** GET with retries; resolves to the validated `data` of the envelope. */
  async get<S extends z.ZodType>(
    path: string,
    query: Record<string, QueryValue>,
    schema: S,
    opts: GetOptions,
  ): Promise<z.infer<S>> {
    const { signal, retries = 5, minBackoffMs = 500 } = this.options;
    try {
      return await pRetry(() => this.attempt(path, query, schema, opts), {
        retries,
        minTimeout: minBackoffMs,
        maxTimeout: 30_000,
        factor: 2,
        randomize: true,
        ...(signal ? { signal } : {}),
        shouldRetry: ({ error }) => error instanceof UpstreamError && error.details.retryable,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (!(error instanceof UpstreamError) || !error.details.retryable || retriesLeft === 0) return;
          this.options.logger.debug(
            { endpoint: opts.endpoint, attempt: attemptNumber, status: error.details.status, err: error },
            "Segment request failed; retrying",
          );
          // The server's own hint first (429); our jittered backoff is added by p-retry on top,
          // so concurrent workers do not all come back at the same instant.
          const hint = error.details.retryAfterMs;
          if (hint !== undefined && hint > 0) {
            await sleep(boundedWait(hint, this.options.deadlineAt, `Segment GET ${path}`), undefined, { signal });
          }
        },
      });
    } catch (error) {
      // An abort (deadline, signal) surfaces from p-retry or a wait as a bare AbortError: say what it was.
      if (signal?.aborted && !(error instanceof UpstreamError) && !(error instanceof CredentialError)) {
        throw new UpstreamError(`Segment GET ${path} stopped: ${stopReason(signal)}`, { retryable: false });
      }
      throw error;
    }
  }

  private async attempt<S extends z.ZodType>(
    path: string,
    query: Record<string, QueryValue>,
    schema: S,
    opts: GetOptions,
  ): Promise<z.infer<S>> {
    const { baseUrl, timeoutMs = 30_000, logger, budget, signal } = this.options;
    const qs = encodeQuery(query);
    const url = `${baseUrl.replace(/\/+$/, "")}${path}${qs ? `?${qs}` : ""}`;
    const label = `Segment GET ${path}`;
    // Paced once it holds a slot: a request the budget lets through leaves at once, so a 429's pause or a
    // fixed limit also holds the requests that were waiting for a slot (paced first, they went out after).
    // Most pass at once and synchronously, so the request a freed slot lets go leaves in the turn of the
    // answer that freed it, ahead of that answer's parsing (below).
    const paced = async (): Promise<RawAnswer> => {
      if (budget && !budget.tryAcquire(this.scope, opts.endpoint)) {
        await budget.acquire(this.scope, opts.endpoint, signal, this.options.deadlineAt);
      }
      // Stopped while it waited: never sent, so not a call (`get` words the stop).
      if (signal?.aborted) {
        budget?.observe(this.scope, opts.endpoint, "error");
        signal.throwIfAborted();
      }
      return this.send(url, opts, timeoutMs, label);
    };
    const { status, headers, text, ms } = await (budget ? budget.sending(paced) : paced());
    logger.debug({ endpoint: opts.endpoint, status, ms }, "Segment call");
    // Parsed a turn of the event loop later. undici puts a kept-alive socket back to work one turn after
    // its answer, so the requests that this turn's answers make room for leave at the end of the turn;
    // when each answer was parsed and mapped at once, they waited for all of them, and a run's requests
    // went out in lock-step waves with no request in flight between them (bench/README.md, idle share).
    await yieldTurn();
    return parseAnswer(label, status, headers, text, schema);
  }

  /**
   * One request and its whole body, under one deadline for headers and body together (deadline.ts).
   * Each outcome is one call for the self-metrics and one observation for the budget.
   */
  private async send(url: string, opts: GetOptions, timeoutMs: number, label: string): Promise<RawAnswer> {
    const { token, budget, signal } = this.options;
    const started = performance.now();
    const guard = deadline(timeoutMs, [signal]);
    let answer: RawAnswer;
    try {
      const response = await request(url, {
        method: "GET",
        dispatcher: this.dispatcher,
        headers: {
          authorization: `Bearer ${token}`,
          accept: opts.accept ?? "application/json",
          "user-agent": USER_AGENT,
        },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: guard.signal,
      });
      const text = await readCapped(response.body, MAX_BODY_BYTES);
      answer = {
        status: response.statusCode,
        headers: response.headers,
        text,
        ms: Math.round(performance.now() - started),
      };
    } catch (error) {
      this.options.onCall?.(opts.endpoint, "error");
      budget?.observe(this.scope, opts.endpoint, "error");
      throw transportError(error, label, timeoutMs, signal);
    } finally {
      guard.dispose();
    }
    const { status, headers, text } = answer;
    this.options.onCall?.(opts.endpoint, status);
    budget?.observe(this.scope, opts.endpoint, status, headers, status === 429 ? safeJson(text) : undefined);
    return answer;
  }
}

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Time on the wire. */
  ms: number;
}

/** Reads a body up to `max` bytes; a larger one is an error, not an out-of-memory crash. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy?.();
      throw new UpstreamError(`the answer is larger than ${max / 1024 / 1024} MiB; refused`, { retryable: false });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseAnswer<S extends z.ZodType>(
  label: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
  schema: S,
): z.infer<S> {
  const contentType = String(headers["content-type"] ?? "");
  let body: unknown;
  let parsed = false;
  try {
    body = JSON.parse(text);
    parsed = true;
  } catch {
    // Handled below with a message that says what came back instead of JSON.
  }
  if (status === 401 || status === 403) {
    throw new CredentialError(
      "segment",
      `Segment rejected the token (HTTP ${status}) on ${label}; check SEGMENT_TOKEN (or --segment-token-file): it must be a Public API token of this workspace with at least Workspace Member access`,
    );
  }
  if (status >= 300 && status < 400) {
    // Never followed: the token would go wherever the Location points (design §5, security).
    throw new UpstreamError(
      `${label} answered a redirect (HTTP ${status}); not followed, so the token stays with the configured host: check SEGMENT_API_URL (--segment-url)`,
      { status, retryable: false },
    );
  }
  if (status < 200 || status >= 300) {
    const retryable = status === 408 || status === 429 || status >= 500;
    const retryAfterMs = status === 429 ? retryHintMs(headers, body) : undefined;
    const detail = parsed ? errorDetail(body) : describeNonJson(contentType, text);
    throw new UpstreamError(`${label} answered HTTP ${status}${detail ? `: ${detail}` : ""}`, {
      status,
      retryable,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (!parsed) {
    const what =
      /json/i.test(contentType) && text.trim() !== ""
        ? "invalid JSON (truncated or malformed)"
        : `${describeNonJson(contentType, text)} instead of JSON`;
    throw new UpstreamError(`${label} answered ${status} with ${what}`, {
      status,
      retryable: false,
    });
  }
  const data = (body as { data?: unknown } | null)?.data;
  if (data === undefined || data === null) {
    throw new UpstreamError(`${label} answered without a 'data' object (${errorDetail(body) || "empty envelope"})`, {
      status,
      retryable: false,
    });
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `data.${issue.path.join(".")}` : "data";
    throw new UpstreamError(
      `${label} answered with an unexpected shape at ${where}: ${issue?.message ?? "invalid"}; the API may have changed — please report it`,
      { status, retryable: false },
    );
  }
  return result.data;
}

function errorDetail(body: unknown): string {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return "";
  const first = errors[0] as { type?: unknown; message?: unknown; field?: unknown };
  const parts = [first.type, first.message].filter((p) => typeof p === "string" && p !== "");
  const field = typeof first.field === "string" ? ` (field ${first.field})` : "";
  return `${parts.join(": ")}${field}`;
}

function describeNonJson(contentType: string, text: string): string {
  if (text.trim() === "") return "an empty body";
  if (/html/i.test(contentType) || /^\s*</.test(text)) return "an HTML page (a gateway or proxy error)";
  return `a ${contentType || "non-JSON"} body`;
}

function transportError(error: unknown, label: string, timeoutMs: number, runSignal?: AbortSignal): Error {
  if (error instanceof UpstreamError) return error;
  if (runSignal?.aborted) return new UpstreamError(`${label} stopped: ${stopReason(runSignal)}`, { retryable: false });
  const err = error as { name?: string; code?: string; message?: string };
  if (err.name === "TimeoutError" || err.name === "AbortError" || err.code === "UND_ERR_HEADERS_TIMEOUT") {
    return new UpstreamError(`${label} timed out after ${timeoutMs} ms`, { retryable: true });
  }
  const retryable = err.code !== undefined && RETRYABLE_CODES.has(err.code);
  return new UpstreamError(`${label} failed: ${err.code ?? err.name ?? "error"} ${err.message ?? ""}`.trim(), {
    retryable,
  });
}
