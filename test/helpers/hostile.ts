// A hostile server for the hardening tests: a real HTTP server on 127.0.0.1 that forwards to an
// emulator and lets a rule rewrite, delay or withhold each answer (never answer, redirect, 429 with
// an absurd Retry-After, endless pagination…). Talking to it goes through the real clients.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
}

/** `"hang"`: accept the request and never answer. */
export type Rule = (req: Seen, forward: () => Promise<Answer>) => Promise<Answer | "hang"> | Answer | "hang";

export interface Hostile {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

export async function hostileServer(target: string | undefined, rule: Rule): Promise<Hostile> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const info: Seen = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers };
    seen.push(info);
    const forward = async (): Promise<Answer> => {
      if (!target) return { status: 404, headers: {}, body: "" };
      const headers = { ...req.headers } as Record<string, string>;
      delete headers.host;
      delete headers["content-length"];
      const answer = await fetch(`${target}${info.path}`, {
        method: info.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
        redirect: "manual",
      });
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (k !== "content-length" && k !== "content-encoding" && k !== "transfer-encoding") out[k] = v;
      });
      return { status: answer.status, headers: out, body: Buffer.from(await answer.arrayBuffer()) };
    };
    try {
      const reply = await rule(info, forward);
      if (reply === "hang") return;
      res.writeHead(reply.status, reply.headers).end(reply.body);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** JSON answer helper. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(value) };
}
