// One streamed PUT with an explicit Content-Length: the `webdav` client ignores `contentLength` for
// Node streams and would send them chunked (configdrive-webdav-tools.md §3.3, gotcha 1), so the
// length goes in as a header. A stall (no chunk for the timeout) aborts the upload.
import { Transform, pipeline, type Readable } from "node:stream";
import type { WebDAVClient } from "webdav";
import { WebdavError } from "./errors.ts";
import type { StoreKey } from "./paths.ts";
import type { Requests } from "./requests.ts";

/** The upload's own source failed (for example a corrupt archive): the server is not to blame. */
export class WebdavBodyError extends WebdavError {
  constructor(method: string, path: string, options?: ErrorOptions) {
    super(`WebDAV ${method} ${path}: the upload's source stream failed`, options);
  }
}

export async function streamPut(
  requests: Requests,
  client: () => Promise<WebDAVClient>,
  key: StoreKey,
  body: Readable,
  size: number,
): Promise<void> {
  const webdav = await client();
  const abort = new AbortController();
  const idle = setTimeout(() => abort.abort(), requests.policy.timeoutMs);
  let bodyError: Error | undefined;
  const tap = new Transform({
    transform(chunk, _enc, done) {
      idle.refresh();
      done(null, chunk);
    },
  });
  // The body failing on its own (its source broke) is not the server's fault. When the request
  // fails instead, the tap is destroyed first and the body after it, which is not counted. This
  // listener goes on before pipeline()'s, so it runs before pipeline destroys the tap.
  body.once("error", (err) => {
    if (!tap.destroyed) bodyError = err;
  });
  pipeline(body, tap, () => {});
  requests.count++;
  const started = Date.now();
  try {
    await webdav.putFileContents(key.path, tap, {
      overwrite: true,
      signal: abort.signal,
      headers: { "Content-Length": String(size) },
    });
    requests.policy.log.debug(
      { method: "PUT", path: key.path, bytes: size, ms: Date.now() - started },
      "webdav upload",
    );
  } catch (err) {
    tap.destroy();
    if (bodyError) throw new WebdavBodyError("PUT", key.path, { cause: bodyError });
    throw requests.toError(err, "PUT", key.path);
  } finally {
    clearTimeout(idle);
  }
}
