// An HTTP proxy on 127.0.0.1 that hands every answer through `rewrite` before the client gets it: a
// real service made to say one thing it cannot be told to say (a BMC reporting a server's health as
// Critical, which sushy-tools' fake driver always reports as OK).
import { type IncomingMessage, type ServerResponse, createServer, request as httpRequest } from "node:http";

export interface RewriteProxy {
  /** http://127.0.0.1:PORT, no trailing slash */
  readonly url: string;
  close(): Promise<void>;
}

/** `rewrite(method, path, body)`: the body the client gets instead (a string answer, as sent). */
export async function startRewriteProxy(
  upstream: string,
  rewrite: (method: string, path: string, body: string) => string,
): Promise<RewriteProxy> {
  const up = new URL(upstream);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
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
          const body = Buffer.from(
            rewrite(req.method ?? "GET", req.url ?? "/", Buffer.concat(chunks).toString("utf8")),
          );
          const headers = { ...answer.headers, "content-length": String(body.length) };
          delete headers["transfer-encoding"];
          res.writeHead(answer.statusCode ?? 502, headers).end(body);
        });
        answer.on("error", () => res.destroy());
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
