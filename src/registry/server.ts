// The BOSH registry HTTP API (bosh-cpi-contract.md §2.3) for agents of stemcells with api_version < 2:
//   GET    /instances/<id>/settings → 200 {"settings": "<settings JSON as a string>", "status": "ok"}
//   PUT    /instances/<id>/settings ← the settings JSON            → 200 {"status": "ok"}
//   DELETE /instances/<id>/settings                                 → 200 {"status": "ok"} (also when absent)
// Absent settings and unknown paths answer 404 with a JSON body. Writes always need basic auth, reads
// unless configured otherwise. Backed by the WebDAV store; the server keeps no state of its own.
import { NamedError } from "../errors.ts";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Logger } from "pino";
import { UnsafeKeyError, WebdavUnavailable, describeStoreError } from "../webdav/errors.ts";
import { authorized, type Credentials } from "./auth.ts";
import type { RegistryRecords } from "./records.ts";

export interface RegistryServerOptions {
  records: RegistryRecords;
  auth: Credentials & { readRequiresAuth: boolean };
  log: Pick<Logger, "info" | "warn" | "error">;
  tls?: { cert: string; key: string } | undefined;
}

/** Settings documents are a few KiB; anything this large is not one. */
export const MAX_BODY_BYTES = 1024 * 1024;
const ROUTE = /^\/instances\/([^/]+)\/settings\/?$/;

class HttpProblem extends NamedError {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, string> = { status: "error", message },
  ) {
    super(message);
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpProblem(413, `settings larger than ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpProblem(413, `settings larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function settingsJson(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HttpProblem(400, "settings must be JSON");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new HttpProblem(400, "settings must be a JSON object");
  return text;
}

async function handle(opts: RegistryServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const id = ROUTE.exec(path)?.[1];
  if (id === undefined)
    throw new HttpProblem(404, "no such resource", { status: "not_found", message: "no such resource" });
  const method = req.method ?? "GET";
  if (!["GET", "HEAD", "PUT", "DELETE"].includes(method)) throw new HttpProblem(405, `method ${method} not allowed`);
  const needsAuth = method === "PUT" || method === "DELETE" || opts.auth.readRequiresAuth;
  if (needsAuth && !authorized(req.headers.authorization, opts.auth))
    throw new HttpProblem(401, "authentication required");
  try {
    opts.records.key(id); // the id must be one safe path segment before the store sees it
  } catch (err) {
    if (err instanceof UnsafeKeyError) throw new HttpProblem(400, "invalid instance id");
    throw err;
  }
  if (method === "GET" || method === "HEAD") {
    const settings = await opts.records.read(id);
    if (settings === undefined)
      throw new HttpProblem(404, `instance ${id} not found`, {
        status: "not_found",
        message: `instance ${id} not found`,
      });
    return send(res, 200, { settings, status: "ok" });
  }
  if (method === "PUT") {
    await opts.records.write(id, settingsJson(await readBody(req)));
    return send(res, 200, { status: "ok" });
  }
  await opts.records.remove(id);
  send(res, 200, { status: "ok" });
}

/** The request listener, separate from the server so tests can mount it on any server. */
function registryListener(opts: RegistryServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = Date.now();
    const done = (status: number, problem?: string) =>
      opts.log.info(
        {
          method: req.method,
          path: req.url,
          status,
          ms: Date.now() - started,
          remote: req.socket.remoteAddress,
          ...(problem ? { problem } : {}),
        },
        "registry request",
      );
    handle(opts, req, res).then(
      () => done(res.statusCode),
      (err: unknown) => {
        let problem: HttpProblem;
        if (err instanceof HttpProblem) problem = err;
        else {
          // the store failed: details go to the log, the client learns only that the backend failed
          opts.log.error({ err: describeStoreError(err), path: req.url }, "registry backend failed");
          problem =
            err instanceof WebdavUnavailable
              ? new HttpProblem(503, "registry backend unavailable")
              : new HttpProblem(502, "registry backend failed");
        }
        const headers: Record<string, string> = {};
        if (problem.status === 401) headers["www-authenticate"] = 'Basic realm="BOSH registry"';
        if (problem.status === 405) headers["allow"] = "GET, HEAD, PUT, DELETE";
        if (problem.status === 413) headers["connection"] = "close";
        if (!res.headersSent) send(res, problem.status, problem.body, headers);
        done(problem.status, problem.message);
      },
    );
  };
}

export function createRegistryServer(opts: RegistryServerOptions): Server {
  const listener = registryListener(opts);
  const server = opts.tls
    ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener)
    : createHttpServer(listener);
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;
  return server;
}
