// A tiny fake HTTP(S) server on 127.0.0.1:0 for unit tests (house style §3.14): routes answer canned bodies
// (see loadFixture), every request is recorded. Unmatched requests get a 599 that names them, so a test
// failure shows the request the code made. Reusable for any HTTP client (Ironic, Keystone, WebDAV).
import { readFileSync } from "node:fs";
import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
  createServer as createHttpServer,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface FakeRequest {
  method: string;
  /** path + query, as received */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** the body parsed as JSON (undefined when empty) */
  json: unknown;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** string/Buffer sent as-is; anything else JSON-encoded with content-type application/json */
  body?: unknown;
  /** destroy the socket without answering ("socket hang up" / ECONNRESET on the client) */
  hangUp?: boolean;
  /** answer after this many ms */
  delayMs?: number;
}

export type FakeHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;
/** A reply, a handler, or a list consumed one per request (the last one repeats). */
export type FakeRoute = FakeReply | FakeHandler | (FakeReply | FakeHandler)[];

export interface FakeHttp {
  /** http(s)://127.0.0.1:PORT (no trailing slash) */
  readonly url: string;
  readonly requests: FakeRequest[];
  /** Route "METHOD /path" (query ignored) or "METHOD /path?query" (exact); later calls replace earlier ones. */
  on(route: string, reply: FakeRoute): FakeHttp;
  /** requests matching "METHOD /path" (query ignored) */
  calls(route: string): FakeRequest[];
  close(): Promise<void>;
}

export interface FakeHttpOptions {
  /** PEM key and certificate: serve HTTPS */
  tls?: { key: string; cert: string };
}

export async function startFakeHttp(
  routes: Record<string, FakeRoute> = {},
  opts: FakeHttpOptions = {},
): Promise<FakeHttp> {
  const table = new Map<string, FakeRoute>(Object.entries(routes));
  const used = new Map<string, number>();
  const requests: FakeRequest[] = [];

  const pick = (key: string): FakeReply | FakeHandler | undefined => {
    const route = table.get(key);
    if (!Array.isArray(route)) return route;
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    return route[Math.min(n, route.length - 1)];
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const u = new URL(req.url ?? "/", "http://fake");
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const fr: FakeRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
      body,
      json,
    };
    requests.push(fr);
    const route = pick(`${fr.method} ${fr.url}`) ?? pick(`${fr.method} ${fr.path}`);
    const reply: FakeReply =
      route === undefined
        ? { status: 599, body: `fake-http: no route for ${fr.method} ${fr.url}` }
        : typeof route === "function"
          ? await route(fr)
          : route;
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (reply.hangUp) {
      req.socket.destroy();
      return;
    }
    const isRaw = typeof reply.body === "string" || Buffer.isBuffer(reply.body);
    const payload =
      reply.body === undefined ? "" : isRaw ? (reply.body as string | Buffer) : JSON.stringify(reply.body);
    const headers: Record<string, string> =
      reply.body !== undefined && !isRaw ? { "content-type": "application/json" } : {};
    res.writeHead(reply.status ?? 200, { ...headers, ...reply.headers });
    res.end(payload);
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(598).end(`fake-http handler threw: ${String(err)}`);
    });
  };
  const server = opts.tls
    ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const strip = (route: string) => route.replace(/\?.*$/, "");

  const fake: FakeHttp = {
    url: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    on(route, reply) {
      table.set(route, reply);
      used.delete(route);
      return fake;
    },
    calls: (route) => requests.filter((r) => `${r.method} ${r.path}` === strip(route)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** Reads test/fixtures/<name>; `.json` files are parsed. */
export function loadFixture<T = unknown>(name: string): T {
  const text = readFileSync(join(import.meta.dirname, "..", "fixtures", name), "utf8");
  return (name.endsWith(".json") ? JSON.parse(text) : text) as T;
}
