// Keystone's public endpoint as the CPI meets it: HTTPS from the test's private CA (leaf + intermediate),
// in front of the harness's plain-HTTP Keystone, as a TLS proxy or load balancer fronts Keystone in a real
// cloud. It records what the CPI asked (and the token Keystone issued), can be made unreachable (the
// port stops listening: connections are refused) or slow (answers held back).
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { readFileSync } from "node:fs";
import { LOOPBACK } from "../harness/free-port.ts";
import type { TlsChain } from "../harness/tls-chain.ts";

export interface FrontRequest {
  method: string;
  path: string;
  status?: number;
  /** X-Subject-Token of a token Keystone issued */
  subjectToken?: string;
}

export interface KeystoneFront {
  /** https://127.0.0.1:PORT, no trailing slash */
  readonly url: string;
  /** url + "/v3": the CPI's auth_url */
  readonly authUrl: string;
  readonly requests: FrontRequest[];
  /** the POST /v3/auth/tokens seen so far */
  tokenRequests(): FrontRequest[];
  /** down: the port stops listening (connection refused); up again on the same port */
  setDown(down: boolean): Promise<void>;
  /** hold every answer this long before it is sent (0: none) */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startKeystoneFront(upstream: string, chain: TlsChain): Promise<KeystoneFront> {
  const up = new URL(upstream);
  const requests: FrontRequest[] = [];
  const sockets = new Set<Socket>();
  let delayMs = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const seen: FrontRequest = { method: req.method ?? "GET", path: req.url ?? "/" };
    requests.push(seen);
    const forward = httpRequest(
      {
        host: up.hostname,
        port: up.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: up.host },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () => {
          seen.status = answer.statusCode ?? 502;
          const token = answer.headers["x-subject-token"];
          if (typeof token === "string") seen.subjectToken = token;
          const send = () => {
            if (res.destroyed) return;
            const headers = { ...answer.headers };
            delete headers.connection;
            delete headers["transfer-encoding"];
            const body = Buffer.concat(chunks);
            res.writeHead(seen.status!, { ...headers, "content-length": String(body.length) });
            res.end(body);
          };
          if (delayMs > 0) setTimeout(send, delayMs);
          else send();
        });
      },
    );
    forward.on("error", (e) => {
      seen.status = 502;
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`keystone front: ${e.message}`);
    });
    req.pipe(forward);
  };
  const tls = { cert: readFileSync(chain.chainFile), key: readFileSync(chain.keyFile) };
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer(tls, handler);
      s.on("connection", (sock: Socket) => {
        sockets.add(sock);
        sock.on("close", () => sockets.delete(sock));
      });
      s.once("error", reject);
      s.listen(port, LOOPBACK, () => {
        server = s;
        resolve((s.address() as AddressInfo).port);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
      for (const sock of sockets) sock.destroy();
    });
  const port = await listen(0);
  const url = `https://${LOOPBACK}:${port}`;
  return {
    url,
    authUrl: `${url}/v3`,
    requests,
    tokenRequests: () => requests.filter((r) => r.method === "POST" && r.path === "/v3/auth/tokens"),
    setDown: async (down) => {
      if (down) await stop();
      else if (!server) await listen(port);
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: stop,
  };
}
