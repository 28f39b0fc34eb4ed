// A small fault-injecting HTTP(S) reverse proxy for tests, in front of a real upstream (Ironic, WebDAV).
// A configurable share of requests gets a fault instead of (or before) the upstream's answer:
//   503     "Service Unavailable" (a conductor with no free worker, a load balancer without backend)
//   locked  Ironic's 409 NodeLocked, in Ironic's own double-encoded error format
//   reset   the connection is destroyed without an answer (ECONNRESET / socket hang up)
//   delay   the request is held, then forwarded (slow network, busy conductor)
// 503, locked and reset are decided before anything is forwarded: the upstream never sees the request,
// exactly as when a front end or Ironic itself refuses it. Bodies stream in both directions (WebDAV
// uploads of stemcells), and the decisions come from a seeded PRNG, so a run is repeatable.
import {
  type IncomingMessage,
  type ServerResponse,
  createServer as createHttpServer,
  request as httpRequest,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";

export const FAULT_KINDS = ["503", "locked", "reset", "delay"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultProxyOptions {
  /** http://host:port of the real server. */
  upstream: string;
  /** Share of requests that get a fault, 0–1 (default 0). */
  rate?: number;
  /** Which faults, with weights (default: all four, equally). */
  kinds?: Partial<Record<FaultKind, number>>;
  /** Hold time of a `delay` fault in ms: fixed or [min, max] (default [200, 800]). */
  delayMs?: number | [number, number];
  /** PRNG seed (default 1). */
  seed?: number;
  /** Serve HTTPS with this key and certificate. */
  tls?: { key: string; cert: string };
  /** Only requests for which this is true may get a fault (default: all). */
  eligible?: (req: { method: string; path: string }) => boolean;
  /** Runs (and is awaited) before a request is forwarded: to make something happen upstream first. */
  before?: (req: { method: string; path: string }) => Promise<void>;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  fault?: FaultKind;
  /** The status the client saw (undefined for a reset). */
  status?: number;
  /** The first 4 KiB of a forwarded request's body (what the client asked, e.g. a power target). */
  body?: string;
}

export interface FaultProxy {
  /** http(s)://127.0.0.1:PORT, no trailing slash. */
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /** Faults injected so far, by kind. */
  readonly faults: Record<FaultKind, number>;
  setRate(rate: number): void;
  /** "down": every connection is destroyed at once, as if the service were gone. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/** mulberry32: small, fast, good enough to spread faults; deterministic for a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ironic's NodeLocked answer (ironic-standalone.md §7: "…is locked by host…, please retry…"). */
export function lockedBody(path: string): string {
  const node = /\/v1\/nodes\/([^/?]+)/.exec(path)?.[1] ?? "unknown";
  const fault = {
    faultcode: "Client",
    faultstring: `Node ${node} is locked by host 127.0.0.1, please retry after the current operation is completed.`,
    debuginfo: null,
  };
  return JSON.stringify({ error_message: JSON.stringify(fault) });
}

function pick(random: () => number, weights: [FaultKind, number][]): FaultKind {
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [k, w] of weights) {
    r -= w;
    if (r < 0) return k;
  }
  return weights[weights.length - 1]![0];
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(opts.upstream);
  const random = prng(opts.seed ?? 1);
  const weights = Object.entries(opts.kinds ?? { "503": 1, locked: 1, reset: 1, delay: 1 }).filter(
    ([, w]) => (w ?? 0) > 0,
  ) as [FaultKind, number][];
  if (weights.length === 0) throw new Error("startFaultProxy: no fault kinds");
  const [dMin, dMax] = typeof opts.delayMs === "number" ? [opts.delayMs, opts.delayMs] : (opts.delayMs ?? [200, 800]);
  let rate = opts.rate ?? 0;
  let down = false;
  const requests: ProxiedRequest[] = [];
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse, entry: ProxiedRequest) => {
    const up = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (upRes) => {
        entry.status = upRes.statusCode;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        upRes.on("error", () => res.destroy());
      },
    );
    up.on("error", () => {
      // the upstream itself failed: pass that on as a reset, the way a transparent proxy would
      entry.status = undefined;
      res.destroy();
    });
    req.on("data", (chunk: Buffer) => {
      if ((entry.body?.length ?? 0) < 4096) entry.body = ((entry.body ?? "") + chunk.toString("utf8")).slice(0, 4096);
    });
    req.pipe(up);
    req.on("error", () => up.destroy());
    res.on("close", () => {
      if (!res.writableFinished) up.destroy(); // the client went away (a killed CPI): stop the upload too
    });
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const entry: ProxiedRequest = { method: req.method ?? "GET", path: req.url ?? "/" };
    requests.push(entry);
    const eligible = opts.eligible?.({ method: entry.method, path: entry.path }) ?? true;
    const fault = eligible && rate > 0 && random() < rate ? pick(random, weights) : undefined;
    if (!fault) {
      if (!opts.before) return forward(req, res, entry);
      req.pause(); // the body waits in the socket; pipe() resumes it once forwarded
      opts.before({ method: entry.method, path: entry.path }).then(
        () => forward(req, res, entry),
        () => res.destroy(),
      );
      return;
    }
    entry.fault = fault;
    faults[fault]++;
    switch (fault) {
      case "503":
        entry.status = 503;
        req.resume();
        res
          .writeHead(503, { "content-type": "text/plain", connection: "close" })
          .end("503 Service Unavailable (fault injected)\n");
        return;
      case "locked":
        entry.status = 409;
        req.resume();
        res.writeHead(409, { "content-type": "application/json", connection: "close" }).end(lockedBody(entry.path));
        return;
      case "reset":
        req.socket.destroy();
        return;
      case "delay": {
        const ms = dMin + Math.floor(random() * (dMax - dMin + 1));
        req.pause(); // the body waits in the socket; pipe() resumes it once forwarded
        setTimeout(() => forward(req, res, entry), ms);
        return;
      }
    }
  };

  const server = opts.tls
    ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler)
    : createHttpServer(handler);
  server.on("connection", (s: Socket) => {
    if (down) {
      s.destroy();
      return;
    }
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("secureConnection", (s: Socket) => {
    if (down) s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    faults,
    setRate(r) {
      rate = r;
    },
    setDown(d) {
      down = d;
      if (d) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
