// One HTTP exchange on Node's own http/https, for the Ironic client, Keystone and the image-URL probe.
// It replaced got: a CPI process sends a dozen small JSON requests, and got with its HTTP/2 and cache
// layers cost more CPU to load than all of them (npm run bench: CPU seconds per create_vm).
// No retries here (each caller has its policy, src/http/backoff.ts) and no redirects unless asked.
import { NamedError } from "../errors.ts";
import type { IncomingHttpHeaders, IncomingMessage, RequestOptions } from "node:http";

export interface HttpOptions {
  /** PEM CA bundle that replaces the system roots. */
  caCert?: string | undefined;
  /** Skip TLS verification (the caller warns). */
  insecure?: boolean | undefined;
  /** TCP connect, when a new connection is opened (default 5 000 ms). */
  connectTimeoutMs?: number | undefined;
  /** The whole exchange, answer body included (default 30 000 ms). */
  timeoutMs?: number | undefined;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Resolve on the status line and drop the body (a probe must not read a whole image). */
  headersOnly?: boolean;
  /** Read at most this many bytes of the body into `head`, then drop the rest (a sniff of an image's start). */
  firstBytes?: number;
}

export interface HttpAnswer {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  /** The body as text; "" with headersOnly or firstBytes. */
  body: string;
  /** With firstBytes: the body's first bytes (fewer when the body is shorter). */
  head?: Buffer;
}

/** Node's and OpenSSL's codes for a certificate that could not be verified (the clients say so, never retry). */
export const isTlsFailure = (code: string): boolean =>
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/.test(code);

/** A failure without an HTTP answer; `code` is Node's (ECONNREFUSED, ECONNRESET, ETIMEDOUT, a TLS code…). */
export class HttpConnectionError extends NamedError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const builtin = <T>(id: string) => process.getBuiltinModule(id) as T;

export function send(req: HttpRequest, opts: HttpOptions = {}): Promise<HttpAnswer> {
  const tls = req.url.protocol === "https:";
  // node:https (and with it node:tls) only for an https URL: most deployments talk plain HTTP on a
  // management network, and loading TLS costs a call that never uses it.
  const { request } = builtin<typeof import("node:http")>(tls ? "node:https" : "node:http");
  const body = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json));
  const options: RequestOptions & { ca?: string; rejectUnauthorized?: boolean } = {
    method: req.method,
    headers: {
      "user-agent": "bosh-ironic-cpi",
      ...req.headers,
      ...(body ? { "content-type": "application/json", "content-length": String(body.length) } : {}),
    },
    ...(tls ? { rejectUnauthorized: opts.insecure !== true, ...(opts.caCert ? { ca: opts.caCert } : {}) } : {}),
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (code: string, message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(whole);
      reject(new HttpConnectionError(code, message));
    };
    const r = request(req.url, options, (res: IncomingMessage) => {
      const answer = { status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? "", headers: res.headers };
      if (req.headersOnly) {
        settled = true;
        clearTimeout(whole);
        res.destroy();
        return resolve({ ...answer, body: "" });
      }
      const chunks: Buffer[] = [];
      let read = 0;
      const headDone = () => {
        if (settled) return;
        settled = true;
        clearTimeout(whole);
        res.destroy();
        resolve({ ...answer, body: "", head: Buffer.concat(chunks).subarray(0, req.firstBytes) });
      };
      res.on("data", (c: Buffer) => {
        chunks.push(c);
        read += c.length;
        if (req.firstBytes !== undefined && read >= req.firstBytes) headDone();
      });
      res.on("error", (e: NodeJS.ErrnoException) => fail(e.code ?? "ECONNRESET", e.message));
      res.on("end", () => {
        if (req.firstBytes !== undefined) return headDone();
        if (settled) return;
        settled = true;
        clearTimeout(whole);
        resolve({ ...answer, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
    const whole = setTimeout(() => {
      fail("ETIMEDOUT", `no complete answer within ${opts.timeoutMs ?? 30_000} ms`);
      r.destroy();
    }, opts.timeoutMs ?? 30_000);
    r.on("socket", (socket) => {
      if (!socket.connecting) return; // a kept-alive connection
      const connect = setTimeout(() => {
        fail("ETIMEDOUT", `connect timed out after ${opts.connectTimeoutMs ?? 5_000} ms`);
        r.destroy();
      }, opts.connectTimeoutMs ?? 5_000);
      socket.once("connect", () => clearTimeout(connect));
      socket.once("close", () => clearTimeout(connect));
    });
    r.on("error", (e: NodeJS.ErrnoException) => fail(e.code ?? "ERR_UNKNOWN", e.message));
    r.end(body);
  });
}
