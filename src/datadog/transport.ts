// The HTTP transport both Datadog clients (the sink and the dashboards/monitors client) give the
// official client: undici on our own keep-alive agent, a deadline held by a timer that covers the
// body too (deadline.ts), and no redirects followed (they would carry the keys to another host).
import { type Dispatcher, fetch as undiciFetch } from "undici";
import { deadline } from "../deadline.js";

/** The members of a fetch answer the client reads (isomorphic-fetch.js), from a body read whole. */
export interface ClientAnswer {
  status: number;
  headers: Headers | import("undici").Headers;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export function clientAnswer(status: number, headers: ClientAnswer["headers"], body: Buffer): ClientAnswer {
  return {
    status,
    headers,
    text: async () => body.toString("utf8"),
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
  };
}

/** An answer made locally (e.g. a refusal before sending), as Datadog would word it. */
export function localAnswer(status: number, error: string): ClientAnswer {
  const headers = new Headers({ "content-type": "application/json" });
  return clientAnswer(status, headers, Buffer.from(JSON.stringify({ errors: [error] })));
}

export interface TransportOptions {
  dispatcher: Dispatcher;
  timeoutMs: number;
  /** The run's stop signal, if any: aborts requests in flight. */
  signal?: AbortSignal | undefined;
}

/** A `fetch` for the client's configuration: one deadline per request, body included; no redirects. */
export function guardedFetch(options: TransportOptions) {
  return async (url: string, init: Record<string, unknown>): Promise<ClientAnswer> => {
    const guard = deadline(options.timeoutMs, [options.signal]);
    try {
      const response = await undiciFetch(url, {
        ...init,
        dispatcher: options.dispatcher,
        signal: guard.signal,
        redirect: "manual",
      } as Parameters<typeof undiciFetch>[1]);
      // Read inside the deadline: a body that never ends must time out like silence does.
      const body = Buffer.from(await response.arrayBuffer());
      return clientAnswer(response.status, response.headers, body);
    } finally {
      guard.dispose();
    }
  };
}

/** A Datadog error body in a line: its `errors`, or what came instead of JSON. */
export function describeBody(body: unknown, max = 200): string {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map(String).join("; ").slice(0, max);
  const text =
    typeof body === "string"
      ? body.replace(/^Unknown API Status Code!\s*Body:\s*/i, "").trim()
      : JSON.stringify(body ?? "");
  if (/^"?\s*</.test(text)) return "an HTML page (a gateway or proxy error)";
  return text.slice(0, max) || "an empty body";
}
