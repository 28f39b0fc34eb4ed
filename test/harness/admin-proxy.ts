// The test's own way into an authenticated Ironic: a plain-HTTP proxy on 127.0.0.1 that forwards each
// request to Ironic with the harness's admin credentials (an htpasswd admin, or a system-scoped Keystone
// token, renewed when Ironic refuses it) and trusts the harness's CA. Fixtures and inspection code keep
// talking plain HTTP without credentials, as they do to a noauth Ironic; the CPI under test never uses it.
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { LOOPBACK } from "./free-port.ts";

export interface AdminProxy {
  /** http://127.0.0.1:PORT, no trailing slash */
  readonly url: string;
  close(): Promise<void>;
}

export interface AdminCredentials {
  /** the headers that authenticate a request */
  headers(): Promise<Record<string, string>>;
  /** Ironic answered 401: renew what headers() hands out (a token); false when nothing can be renewed */
  renew(): boolean;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function forward(
  upstream: URL,
  ca: string | undefined,
  req: { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: Buffer },
): Promise<Answer> {
  const request = upstream.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, host: upstream.host },
        ...(ca ? { ca } : {}),
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    r.on("timeout", () => r.destroy(new Error("admin proxy: upstream timed out")));
    r.on("error", reject);
    r.end(req.body);
  });
}

export async function startAdminProxy(opts: {
  upstream: string;
  ca?: string;
  credentials: AdminCredentials;
}): Promise<AdminProxy> {
  const upstream = new URL(opts.upstream);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const headers = { ...req.headers };
      delete headers.authorization;
      delete headers["x-auth-token"];
      delete headers.connection;
      try {
        let answer: Answer | undefined;
        for (let attempt = 1; attempt <= 2; attempt++) {
          answer = await forward(upstream, opts.ca, {
            method: req.method ?? "GET",
            path: req.url ?? "/",
            headers: { ...headers, ...(await opts.credentials.headers()) },
            body: Buffer.concat(chunks),
          });
          if (answer.status !== 401 || !opts.credentials.renew()) break;
        }
        const out = { ...answer!.headers };
        // hop-by-hop headers are the upstream connection's, not ours: Ironic's `Keep-Alive: timeout=…` made
        // clients (undici) reuse a socket this proxy had already closed ("other side closed")
        for (const h of ["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"]) delete out[h];
        res.writeHead(answer!.status, { ...out, "content-length": String(answer!.body.length) });
        res.end(answer!.body);
      } catch (err) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`admin proxy: ${(err as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  server.unref();
  // Idle sockets stay open until close(): a test that blocks its event loop (spawnSync of a CPI call) for
  // longer than Node's 5 s default could not see the proxy close its kept-alive socket, and its next fetch
  // failed with "other side closed"
  server.keepAliveTimeout = 600_000;
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${LOOPBACK}:${port}`,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
