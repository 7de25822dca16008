// The request flow the remote-write and New Relic emulators share: a logged request answered by a
// reply or by a reset connection, the faults that replace or delay the real answer, and the
// test-only /_emulator/ routes.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultInjector } from "./faults.js";
import { header, sendJson, sleep } from "./http.js";

/** What every request log of these emulators holds besides its own fields. */
export interface LoggedRequest<K extends string = string> {
  /** Wall clock (ms). */
  at: number;
  method: string;
  path: string;
  /** 0 when the connection was reset instead of answered. */
  status: number;
  /** Body size as sent. */
  wireBytes: number;
  error?: string;
  fault?: K;
}

/**
 * A new log entry, with the request headers named in `fields` copied under their keys when present.
 * Never pass a credential's header.
 */
export function logEntry<L extends LoggedRequest>(
  req: IncomingMessage,
  path: string,
  body: Buffer,
  fields: Partial<Record<Exclude<keyof L, keyof LoggedRequest>, string>>,
): L {
  const log: Record<string, unknown> = {
    at: Date.now(),
    method: req.method ?? "GET",
    path,
    status: 0,
    wireBytes: body.length,
  };
  for (const [key, name] of Object.entries(fields) as Array<[string, string]>) {
    const value = header(req, name);
    if (value !== undefined) log[key] = value;
  }
  return log as L;
}

export interface IntakeReply {
  status: number;
  /** Logged as the request's error (never a credential). */
  error?: string;
}

/**
 * How a fault plays out: "reset" drops the connection unanswered, "slow" delays the real answer,
 * "reset-after-store" handles the request (stores) and then drops the connection, any other kind
 * answers in place of the handler. Undefined: reset the connection.
 */
export async function withFault<K extends string, R>(
  faults: FaultInjector<K>,
  route: string,
  log: { fault?: K },
  play: { reply: (fault: K) => R | undefined; slowMs: number },
  handle: () => R,
): Promise<R | undefined> {
  const fault = faults.next(route);
  if (fault === undefined) return handle();
  log.fault = fault;
  if (fault === "reset") return undefined;
  if (fault === "slow") await sleep(play.slowMs);
  const injected = play.reply(fault);
  if (injected !== undefined) return injected;
  const reply = handle();
  return fault === "reset-after-store" ? undefined : reply;
}

/** Logs the request, then sends `answer`'s reply, or resets the connection when it gives none. */
export async function answerLogged<L extends LoggedRequest, R extends IntakeReply>(
  req: IncomingMessage,
  res: ServerResponse,
  log: L,
  requests: L[],
  answer: () => Promise<R | undefined>,
  send: (res: ServerResponse, reply: R) => void,
): Promise<void> {
  requests.push(log);
  const reply = await answer();
  if (reply === undefined) return void req.socket.destroy(); // status stays 0: no answer was sent
  log.status = reply.status;
  if (reply.error !== undefined) log.error = reply.error;
  if (!res.destroyed) send(res, reply); // the client may have given up during a "slow" fault
}

/** GET /_emulator/<name> from `lists`, POST /_emulator/reset, 404 otherwise. */
export function inspection(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  lists: Record<string, () => unknown>,
  reset: () => void,
): void {
  const name = path.slice("/_emulator/".length);
  const list = Object.hasOwn(lists, name) ? lists[name] : undefined;
  if (req.method === "GET" && list) sendJson(res, 200, list());
  else if (req.method === "POST" && name === "reset") {
    reset();
    sendJson(res, 200, { reset: true });
  } else sendJson(res, 404, { error: "not found" });
}
