// Submits batches to Datadog's v2 series intake through @datadog/datadog-api-client's configuration,
// auth and HTTP layer (client-core.ts), gzip-compressed by our transport. The client's parts are
// loaded lazily: `--help`, validation errors and `--dry-run` never need them.

import pRetry from "p-retry";
import type { Logger } from "pino";
import { Agent, type Dispatcher } from "undici";
import { loadCoreClient } from "../../datadog/load.js";
import { type ClientAnswer, describeBody, guardedFetch, localAnswer } from "../../datadog/transport.js";
import { stopReason } from "../../deadline.js";
import { CredentialError, oneLine, UpstreamError, UsageError } from "../../errors.js";
import type { OwnedPoint, Sink, SinkCheck, SinkOutcome, SubmissionSize } from "../types.js";
import {
  type Batch,
  DATADOG_SUBMISSION,
  groupPoints,
  ownersOf,
  packSeries,
  SeriesGroups,
  splitBatch,
} from "./batch.js";
import { encodeBatch } from "./encode.js";
import { datadogHost, datadogOldestAccepted } from "./window.js";

export interface DatadogTarget {
  apiKey: string;
  appKey?: string | undefined;
  /** `datadoghq.com`, `datadoghq.eu`, …; ignored when apiUrl is set. */
  site: string;
  /** Full base URL, e.g. `http://127.0.0.1:8126`; overrides the site. */
  apiUrl?: string | undefined;
  /** The settings these came from, for messages: `DD_SITE`, `--datadog-url`, `DD_API_KEY`… */
  origin?: { url: string; key: string } | undefined;
}

export interface DatadogSinkOptions extends DatadogTarget {
  logger: Logger;
  /** Tests shrink the compressed-size limit to exercise splitting. */
  maxCompressedBytes?: number;
  /** Historical Metrics Ingestion is on for the prefix: points older than 1 h are stored too. */
  historical?: boolean | undefined;
  timeoutMs?: number;
  retries?: number;
  minBackoffMs?: number;
  signal?: AbortSignal;
}

export interface BatchOutcome {
  /** owner → why (one of) its batches failed; owners not listed were accepted. */
  failed: Map<string, string>;
  requests: number;
}

type DatadogModule = typeof import("../../datadog/client-core.js");
type Configuration = import("../../datadog/client-core.js").Configuration;

/** The intake's limit on a compressed body (reference §4.1: 512 000 bytes), with a margin. */
const MAX_COMPRESSED_BYTES = 500_000;

/**
 * A series body arrives compressed (encode.ts: gzip on libuv's thread pool, once per body, whatever the
 * retries), so the size that is checked is the size that is sent. A body over the intake's limit is not
 * sent; the client sees a 413, and the sink halves the batch as it does for a 413 from Datadog.
 */
function sendCompressed(
  url: string,
  init: Record<string, unknown>,
  maxCompressedBytes: number,
): { init: Record<string, unknown> } | { tooLarge: ClientAnswer } {
  if (!/\/api\/v2\/series$/.test(url) || !Buffer.isBuffer(init.body)) return { init };
  const body = init.body;
  if (body.length > maxCompressedBytes) {
    return { tooLarge: localAnswer(413, `compressed payload of ${body.length} bytes over ${maxCompressedBytes}`) };
  }
  const headers = { ...(init.headers as Record<string, string>), "Content-Encoding": "gzip" };
  return { init: { ...init, headers, body } };
}

/** Retry what may pass later: timeouts, throttling, server errors, transport failures. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export class DatadogSink implements Sink {
  readonly label = "Datadog";
  /** Datadog keeps the last write of a point (reference §5.1): re-reads overwrite. */
  readonly writeRule = "overwrite" as const;
  readonly limits = DATADOG_SUBMISSION;
  private readonly dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 8 });
  private configuration: Promise<{ mod: DatadogModule; conf: Configuration }> | undefined;

  constructor(private readonly options: DatadogSinkOptions) {}

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async setup(): Promise<{ mod: DatadogModule; conf: Configuration }> {
    this.configuration ??= loadCoreClient().then((mod) => {
      const { apiKey, appKey, apiUrl, site, timeoutMs = 30_000 } = this.options;
      const send = guardedFetch({ dispatcher: this.dispatcher, timeoutMs, signal: this.options.signal });
      const conf = mod.createConfiguration({
        authMethods: { apiKeyAuth: apiKey, ...(appKey ? { appKeyAuth: appKey } : {}) },
        ...(apiUrl ? { baseServer: new mod.BaseServerConfiguration(apiUrl.replace(/\/+$/, ""), {}) } : {}),
        // A per-request timeout must be made per call: the client's httpConfig.signal is one
        // signal for the whole configuration (reference §7.7).
        fetch: async (url: string, init: Record<string, unknown>) => {
          const compressed = sendCompressed(url, init, this.options.maxCompressedBytes ?? MAX_COMPRESSED_BYTES);
          return "tooLarge" in compressed ? compressed.tooLarge : send(url, compressed.init);
        },
        enableRetry: false,
      });
      if (!apiUrl) conf.setServerVariables({ site });
      return { mod, conf };
    });
    return this.configuration;
  }

  /**
   * One call through the client's configuration: its server for the operation (site or
   * DD_API_URL), its auth methods and its HTTP layer (our transport). Answers that are not 2xx
   * become the client's ApiException, as its API classes would throw them.
   */
  private async call(
    operation: string,
    method: "GET" | "POST",
    path: string,
    auth: Array<"apiKeyAuth" | "appKeyAuth">,
    body?: Buffer,
  ): Promise<{ status: number; body: unknown }> {
    const { mod, conf } = await this.setup();
    const context = conf.getServer(operation).makeRequestContext(path, mod.HttpMethod[method]);
    context.setHeaderParam("Accept", "application/json");
    if (body !== undefined) {
      context.setHeaderParam("Content-Type", "application/json");
      context.setBody(body);
    }
    context.setHttpConfig(conf.httpConfig);
    mod.applySecurityAuthentication(conf, context, auth);
    const response = await conf.httpApi.send(context);
    const text = await response.body.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Not JSON (a gateway page): kept as text for the message.
    }
    if (response.httpStatusCode < 200 || response.httpStatusCode >= 300) {
      throw new mod.ApiException(response.httpStatusCode, parsed);
    }
    return { status: response.httpStatusCode, body: parsed };
  }

  /** One request of a gzip body (encode.ts); throws CredentialError on 403, UpstreamError otherwise. */
  private async post(body: Buffer): Promise<void> {
    const { mod } = await this.setup();
    let answer: { errors?: unknown };
    try {
      const sent = await this.call("v2.MetricsApi.submitMetrics", "POST", "/api/v2/series", ["apiKeyAuth"], body);
      answer = (sent.body ?? {}) as { errors?: unknown };
    } catch (error) {
      throw this.classify(error, mod);
    }
    // A 202 that lists errors did not store (all of) the batch: not accepted, so not checkpointed.
    if (Array.isArray(answer.errors) && answer.errors.length > 0) {
      throw new UpstreamError(
        `Datadog accepted the request but reported errors: ${answer.errors
          .map((e) => oneLine(String(e)))
          .join("; ")
          .slice(0, 200)}`,
        { status: 202, retryable: false },
      );
    }
  }

  private classify(error: unknown, mod: DatadogModule): Error {
    if (error instanceof mod.ApiException) {
      const status = error.code;
      if (status >= 300 && status < 400) {
        return new UpstreamError(
          `Datadog (${this.host}) answered a redirect (HTTP ${status}); not followed, so the API key stays with the configured host: check ${this.origin.url}`,
          { status, retryable: false },
        );
      }
      if (status === 403) {
        return new CredentialError(
          "datadog",
          `Datadog (${this.host}) rejected the API key (HTTP 403); check ${this.origin.key} and that ${this.origin.url} points at the site the key belongs to`,
        );
      }
      return new UpstreamError(`Datadog answered HTTP ${status}: ${describeBody(error.body)}`, {
        status,
        retryable: isRetryableStatus(status),
      });
    }
    const err = error as { name?: string; code?: string; cause?: { code?: string }; message?: string };
    if (this.options.signal?.aborted) {
      return new UpstreamError(`Datadog submit stopped: ${stopReason(this.options.signal)}`, { retryable: false });
    }
    if (err.name === "TimeoutError" || err.name === "AbortError") {
      return new UpstreamError(`Datadog request timed out after ${this.options.timeoutMs ?? 30_000} ms`, {
        retryable: true,
      });
    }
    const code = err.cause?.code ?? err.code ?? err.name ?? "error";
    // A name that does not resolve is a wrong setting (DD_SITE=datadoghq.eu.com), not a blip: no retries.
    return new UpstreamError(`Datadog request to ${this.host} failed: ${code} (host from ${this.origin.url})`, {
      retryable: code !== "ENOTFOUND",
    });
  }

  /** One operation, retried while what failed may pass later (timeouts, throttling, 5xx, transport). */
  private withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    const { retries = 4, minBackoffMs = 500, signal, logger } = this.options;
    return pRetry(attempt, {
      retries,
      minTimeout: minBackoffMs,
      maxTimeout: 20_000,
      randomize: true,
      ...(signal ? { signal } : {}),
      shouldRetry: ({ error }) => error instanceof UpstreamError && error.details.retryable,
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (error instanceof UpstreamError && error.details.retryable) {
          logger.debug({ attempt: attemptNumber, err: error }, `Datadog ${what} failed; retrying`);
        }
      },
    });
  }

  /** Submits with retries; a 413 halves the batch and resends both halves. */
  private async submitOne(batch: Batch, outcome: BatchOutcome): Promise<void> {
    const { logger } = this.options;
    try {
      const body = await encodeBatch(batch);
      await this.withRetries("submit", () => {
        outcome.requests += 1;
        return this.post(body);
      });
    } catch (error) {
      if (error instanceof CredentialError) throw error;
      const status = error instanceof UpstreamError ? error.details.status : undefined;
      if (status === 413 && batch.series.length > 1) {
        logger.debug({ series: batch.series.length }, "Datadog answered 413; splitting the batch");
        for (const half of splitBatch(batch)) await this.submitOne(half, outcome);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      for (const owner of ownersOf(batch)) outcome.failed.set(owner, message);
    }
  }

  /** Where requests go, for messages: the base URL, or the API host of the site. */
  get host(): string {
    return datadogHost(this.options);
  }

  private get origin(): { url: string; key: string } {
    return this.options.origin ?? { url: "DD_SITE / DD_API_URL", key: "DD_API_KEY" };
  }

  oldestAcceptedMs(now: number): number {
    return datadogOldestAccepted(now, this.options.historical === true);
  }

  measure(): SubmissionSize {
    return new SeriesGroups();
  }

  /**
   * Before the run reads Segment: the key (one `GET /api/v1/validate`), so a wrong site or key is found
   * first, not after every Segment call; and with --historical and an application key, that Historical
   * Metrics Ingestion is on for every series stamped at bucket starts (issue #4).
   */
  async verify(check: SinkCheck): Promise<void> {
    if (!(await this.withRetries("key check", () => this.validateKey()))) {
      throw new CredentialError(
        "datadog",
        `Datadog (${this.host}) rejected the API key (GET /api/v1/validate); check ${this.origin.key} and that ${this.origin.url} points at the site the key belongs to`,
      );
    }
    if (!this.options.historical || !this.options.appKey) return;
    for (const metric of check.bucketSeries) {
      if (!(await this.historicalEnabled(metric))) {
        throw new UsageError(
          `--historical: Historical Metrics Ingestion is not enabled for ${metric}; enable it in Datadog (Metrics → Settings → Historical metrics, for the metric's prefix) or run without --historical`,
        );
      }
    }
  }

  /**
   * Packs points into as few requests as the limits allow and submits them (Sink). The batcher's
   * measure already grouped them into series (SeriesGroups, which holds the points): it is the submission.
   */
  async submit(points: readonly OwnedPoint[], measured?: SubmissionSize): Promise<SinkOutcome> {
    const groups = measured instanceof SeriesGroups ? measured : groupPoints(points);
    groups.seal();
    if (groups.points === 0) return { failed: new Map(), requests: 0 };
    const outcome = await this.submitBatches(packSeries(groups.series));
    this.options.logger.debug({ points: groups.points, requests: outcome.requests }, "submitted");
    return { failed: outcome.failed, requests: outcome.requests };
  }

  /** Submits every batch; reports which owners were accepted and which failed (and why). */
  private async submitBatches(batches: readonly Batch[]): Promise<BatchOutcome> {
    // An owner split across batches is accepted only if every part was: any failed part lists it.
    const outcome: BatchOutcome = { failed: new Map(), requests: 0 };
    for (const batch of batches) await this.submitOne(batch, outcome);
    return outcome;
  }

  /** Whether Historical Metrics Ingestion is enabled for `metric` (needs an application key). */
  async historicalEnabled(metric: string): Promise<boolean> {
    const { mod } = await this.setup();
    try {
      const path = `/api/v2/metrics/historical-metrics-configurations/${encodeURIComponent(metric)}`;
      await this.call("v2.MetricsApi.getHistoricalMetricsConfiguration", "GET", path, ["apiKeyAuth", "appKeyAuth"]);
      return true;
    } catch (error) {
      if (error instanceof mod.ApiException && error.code === 404) return false;
      if (error instanceof mod.ApiException && error.code === 403) {
        throw new CredentialError(
          "datadog",
          "Datadog rejected the application key (HTTP 403) while checking historical ingestion; check DD_APP_KEY (it needs the late_metrics permission), or unset it to skip the check",
        );
      }
      throw this.classify(error, mod);
    }
  }

  /** `GET /api/v1/validate`: true when the key is valid. */
  async validateKey(): Promise<boolean> {
    const { mod } = await this.setup();
    try {
      const answer = await this.call("v1.AuthenticationApi.validate", "GET", "/api/v1/validate", ["apiKeyAuth"]);
      return (answer.body as { valid?: unknown } | undefined)?.valid === true;
    } catch (error) {
      const classified = this.classify(error, mod);
      if (classified instanceof CredentialError) return false;
      throw classified;
    }
  }
}
