// Submits points to New Relic's Metric API (reference §1): one gzip-compressed JSON body per request,
// `Api-Key` header, 202 is acceptance. A body of 10^6 bytes or more is split before it is sent (and
// again on a 413), always on a bucket boundary, so New Relic never holds part of a bucket; 408, 429
// (Retry-After) and 5xx are retried; 403 is the key (exit 3). Points it stores are summed, never
// overwritten, so each bucket is sent once (design §5) and a stream's later buckets are held back
// behind one that failed.
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { Logger } from "pino";
import type { NewRelicSettings } from "../../config/types.js";
import { CredentialError, UpstreamError } from "../../errors.js";
import { AGE_MARGIN_MS } from "../../plan/limits.js";
import { VERSION } from "../../version.js";
import type { SinkOpenOptions } from "../backend.js";
import { gzipJsonList } from "../gzip-json.js";
import { HoldBack, splitByOwner } from "../hold-back.js";
import { BackendClient } from "../http.js";
import type { OwnedPoint, Sink, SinkOutcome, SubmissionSize } from "../types.js";
import { NEW_RELIC_MAX_AGE_MS, NEW_RELIC_SUBMISSION } from "./index.js";
import { NewRelicSubmissionSize, toBlocks } from "./payload.js";

const gzipAsync = promisify(gzip);

/** "Payloads must be under 1MB (10^6 bytes)" (reference §1.3), read as the compressed body, with a margin. */
export const MAX_COMPRESSED_BYTES = 990_000;

/** The request body: the blocks' JSON array, compressed a slice at a time on libuv's thread pool. */
export function encodeBody(points: readonly OwnedPoint[]): Promise<Buffer> {
  return gzipJsonList("[", toBlocks(points), ({ block }) => JSON.stringify(block), "]");
}

export interface NewRelicSinkOptions extends NewRelicSettings, SinkOpenOptions {
  /** Tests shrink it to exercise splitting. */
  maxCompressedBytes?: number;
  minBackoffMs?: number;
}

export class NewRelicSink implements Sink {
  readonly label = "New Relic";
  readonly writeRule = "once" as const;
  readonly limits = NEW_RELIC_SUBMISSION;
  private readonly logger: Logger;
  private readonly client: BackendClient;

  constructor(private readonly options: NewRelicSinkOptions) {
    this.logger = options.logger;
    // The open options (logger, timeout, signal, deadline, retries) go to the client as they are.
    this.client = new BackendClient({
      ...options,
      headers: {
        "api-key": options.licenseKey,
        "content-type": "application/json",
        "content-encoding": "gzip",
        "user-agent": `segment-datadog-exporter/${VERSION}`,
      },
      label: "New Relic",
      service: "newrelic",
      refused: (answer, host) =>
        `New Relic (${host}) rejected the license key (HTTP ${answer.status}); check ${options.origin.key} (an Ingest - License key) and that ${options.origin.url} is the region of its account`,
      urlFrom: options.origin.url,
      secret: "the license key",
    });
  }

  oldestAcceptedMs(now: number): number {
    return now - NEW_RELIC_MAX_AGE_MS + AGE_MARGIN_MS;
  }

  measure(): SubmissionSize {
    return new NewRelicSubmissionSize();
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * The key, with an empty payload: it stores nothing, and New Relic checks the key before the body,
   * so 202 (or a 400 for the empty body) proves the key and the endpoint, 403 refuses the key.
   */
  async verify(): Promise<void> {
    const body = await gzipAsync("[]");
    const counter = { requests: 0 };
    try {
      await this.client.send("key check", body, counter);
    } catch (error) {
      if (error instanceof UpstreamError && error.details.status === 400) return;
      if (error instanceof UpstreamError && error.details.status === 404) {
        throw new UpstreamError(
          `New Relic (${this.client.host}) answered 404 for ${this.options.url}: not a Metric API endpoint; check ${this.options.origin.url}`,
          { status: 404, retryable: false },
        );
      }
      throw error;
    }
  }

  async submit(points: readonly OwnedPoint[]): Promise<SinkOutcome> {
    const outcome = { failed: new Map<string, string>(), requests: 0 };
    if (points.length === 0) return outcome;
    await this.sendPart(points, new HoldBack(outcome.failed), outcome);
    this.logger.debug({ points: points.length, requests: outcome.requests }, "submitted to New Relic");
    return outcome;
  }

  /** Sends `points` as one request, or as two halves (on bucket boundaries) when too large. */
  private async sendPart(points: readonly OwnedPoint[], hold: HoldBack, outcome: { requests: number }): Promise<void> {
    const sendable = hold.keep(points);
    if (sendable.length === 0) return;
    const body = await encodeBody(sendable);
    const limit = this.options.maxCompressedBytes ?? MAX_COMPRESSED_BYTES;
    if (body.length >= limit && sendable.length > 1) {
      this.logger.debug({ bytes: body.length, points: sendable.length }, "New Relic body too large; splitting");
      for (const half of splitByOwner(sendable)) await this.sendPart(half, hold, outcome);
      return;
    }
    try {
      await this.client.send("submit", body, outcome);
    } catch (error) {
      if (error instanceof CredentialError) throw error;
      if (error instanceof UpstreamError && error.details.status === 413 && sendable.length > 1) {
        this.logger.debug({ points: sendable.length }, "New Relic answered 413; splitting");
        for (const half of splitByOwner(sendable)) await this.sendPart(half, hold, outcome);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      hold.fail(new Set(sendable.map((p) => p.owner)), message);
    }
  }
}
