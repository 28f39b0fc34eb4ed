// Is an image URL reachable? A HEAD, or, for servers that refuse HEAD, a GET of one byte whose body
// is dropped as soon as the status arrives (a server that ignores Range must not send us a whole
// image). Used for light stemcells, whose image lives outside the store but is read by the same
// conductors, so the store's CA bundle is trusted.
import got, { type Response } from "got";

export interface ProbeOptions {
  caCert?: string | undefined;
  insecure?: boolean | undefined;
  timeoutMs?: number | undefined;
}

export interface ProbeResult {
  reachable: boolean;
  /** HTTP status, when the server answered. */
  status?: number;
  /** Content-Length of a HEAD answer (or the total of a 206 Content-Range), when sent. */
  size?: number;
  /** "200 OK", "404 Not Found", or the connection error code. */
  detail: string;
}

function sizeOf(res: Response | { headers: Response["headers"]; statusCode: number }): number | undefined {
  const range = res.headers["content-range"];
  const total = typeof range === "string" ? /\/(\d+)$/.exec(range)?.[1] : undefined;
  const length = res.statusCode === 206 ? total : res.headers["content-length"];
  const n = Number(length);
  return length !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

function outcome(statusCode: number, statusMessage: string | undefined, size: number | undefined): ProbeResult {
  return {
    reachable: statusCode >= 200 && statusCode < 300,
    status: statusCode,
    ...(size !== undefined ? { size } : {}),
    detail: `${statusCode}${statusMessage ? ` ${statusMessage}` : ""}`,
  };
}

export async function probeUrl(url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const client = got.extend({
    timeout: { request: opts.timeoutMs ?? 30_000 },
    retry: { limit: 1 },
    throwHttpErrors: false,
    followRedirect: true,
    https: {
      rejectUnauthorized: opts.insecure !== true,
      ...(opts.caCert ? { certificateAuthority: opts.caCert } : {}),
    },
    headers: { "user-agent": "bosh-ironic-cpi" },
  });
  try {
    const head = await client(url, { method: "HEAD" });
    if (head.statusCode !== 405 && head.statusCode !== 501)
      return outcome(head.statusCode, head.statusMessage, sizeOf(head));
    return await new Promise<ProbeResult>((resolve, reject) => {
      const stream = client.stream(url, { headers: { range: "bytes=0-0" } });
      stream.once("response", (res: Response) => {
        resolve(outcome(res.statusCode, res.statusMessage, sizeOf(res)));
        stream.destroy();
      });
      stream.once("error", reject);
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { reachable: false, detail: typeof code === "string" ? code : "ERR_UNKNOWN" };
  }
}
