// Is an image URL reachable? A HEAD, or, for servers that refuse HEAD, a GET of one byte whose body
// is dropped as soon as the status arrives (a server that ignores Range must not send us a whole
// image). Used for light stemcells, whose image lives outside the store but is read by the same
// conductors, so the store's CA bundle is trusted.
import { TRANSIENT_CODES } from "../http/backoff.ts";
import { type HttpAnswer, HttpConnectionError, type HttpRequest, send } from "../http/request.ts";

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

const MAX_REDIRECTS = 5;

function sizeOf(res: HttpAnswer): number | undefined {
  const range = res.headers["content-range"];
  const total = typeof range === "string" ? /\/(\d+)$/.exec(range)?.[1] : undefined;
  const length = res.status === 206 ? total : res.headers["content-length"];
  const n = Number(length);
  return length !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

function outcome(res: HttpAnswer): ProbeResult {
  const size = sizeOf(res);
  return {
    reachable: res.status >= 200 && res.status < 300,
    status: res.status,
    ...(size !== undefined ? { size } : {}),
    detail: `${res.status}${res.statusMessage ? ` ${res.statusMessage}` : ""}`,
  };
}

/** One request, following redirects, with one more try after a transient connection failure. */
async function follow(req: HttpRequest, opts: ProbeOptions, firstBytes?: number): Promise<HttpAnswer> {
  let url = req.url;
  for (let hops = 0; ; hops++) {
    const how = firstBytes === undefined ? { headersOnly: true } : { firstBytes };
    const once = () => send({ ...req, url, ...how }, { ...opts, timeoutMs: opts.timeoutMs ?? 30_000 });
    const res = await once().catch((e: unknown) => {
      if (e instanceof HttpConnectionError && TRANSIENT_CODES.has(e.code)) return once();
      throw e;
    });
    const location = res.headers.location;
    if (res.status < 300 || res.status >= 400 || !location || hops >= MAX_REDIRECTS) return res;
    url = new URL(location, url);
  }
}

/** The first `n` bytes of the image at `url` (a ranged GET; a server that ignores Range is cut off after them). */
export async function imageHead(url: string, n: number, opts: ProbeOptions = {}): Promise<Buffer | undefined> {
  try {
    const res = await follow({ method: "GET", url: new URL(url), headers: { range: `bytes=0-${n - 1}` } }, opts, n);
    return res.status === 200 || res.status === 206 ? res.head : undefined;
  } catch {
    return undefined;
  }
}

export async function probeUrl(url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  try {
    const target = new URL(url);
    const head = await follow({ method: "HEAD", url: target }, opts);
    if (head.status !== 405 && head.status !== 501) return outcome(head);
    return outcome(await follow({ method: "GET", url: target, headers: { range: "bytes=0-0" } }, opts));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { reachable: false, detail: typeof code === "string" ? code : "ERR_UNKNOWN" };
  }
}
