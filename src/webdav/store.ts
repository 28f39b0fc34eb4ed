// THE WebDAV store: objects named by StoreKey (paths.ts) below one base URL. Knows no BOSH.
// nginx quirks handled here (configdrive-webdav-tools.md §3): collections take a trailing slash on
// MKCOL/DELETE, an existing collection answers MKCOL with 405, and the `webdav` client only sends a
// Content-Length for a stream when given as a header (else the upload is chunked).
import { Transform, pipeline, type Readable } from "node:stream";
import type { Logger } from "pino";
import { openConnection, splitCredentials, type Connection, type ConnectionOptions } from "./connection.ts";
import { WebdavError, WebdavHttpError, WebdavUnavailable } from "./errors.ts";
import { parentKeys, type StoreKey } from "./paths.ts";
import { probeUrl, type ProbeResult } from "./probe.ts";
import { DEFAULT_BACKOFF, backoffDelay, isTransient, type Backoff } from "./retry.ts";

export type StoreLogger = Pick<Logger, "debug" | "info" | "warn">;

export interface StoreOptions extends ConnectionOptions {
  /** Base URL readers (Ironic conductors) use for the same tree; default: `url`. Never carries credentials. */
  readUrl?: string | undefined;
  /** Limit for one small request, and for a streamed upload the longest pause without progress (default 300 s). */
  timeoutMs?: number | undefined;
  /** Extra attempts of an idempotent operation on 5xx or connection errors (default 4). */
  retries?: number | undefined;
  log?: StoreLogger | undefined;
  backoff?: Backoff | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

export interface StoreStat {
  size: number;
  type: "file" | "directory";
}

const NO_LOG: StoreLogger = { debug() {}, info() {}, warn() {} } as unknown as StoreLogger;

/** The upload's own source failed (for example a corrupt archive): the server is not to blame. */
export class WebdavBodyError extends WebdavError {
  constructor(method: string, path: string, options?: ErrorOptions) {
    super(`WebDAV ${method} ${path}: the upload's source stream failed`, options);
  }
}

export class WebdavStore {
  /** HTTP requests sent, retries included (tests prove that rejected input sent none). */
  requestCount = 0;
  private readonly conn: Connection;
  private readonly readBase: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly log: StoreLogger;
  private readonly backoff: Backoff;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: StoreOptions) {
    this.conn = openConnection(opts);
    this.readBase = splitCredentials(opts.readUrl ?? opts.url).base;
    this.timeoutMs = opts.timeoutMs ?? 300_000;
    this.retries = opts.retries ?? 4;
    this.log = opts.log ?? NO_LOG;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Base URL of the tree (no credentials, ends in "/"). */
  get url(): string {
    return this.conn.base;
  }

  /** The URL readers fetch `key` from (read_url based, no credentials). */
  readUrl(key: StoreKey): string {
    return `${this.readBase}${key.segments.join("/")}`;
  }

  async getText(key: StoreKey): Promise<string | undefined> {
    try {
      return await this.call("GET", key.path, (signal) => this.conn.client.getFileContents(key.path, { format: "text", signal }) as Promise<string>);
    } catch (err) {
      if (err instanceof WebdavHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  async stat(key: StoreKey): Promise<StoreStat | undefined> {
    try {
      const st = await this.call("PROPFIND", key.path, (signal) => this.conn.client.stat(key.path, { signal }) as Promise<StoreStat>);
      return { size: st.size, type: st.type };
    } catch (err) {
      if (err instanceof WebdavHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  async exists(key: StoreKey): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  /** PUT of a small body, replacing any existing object. Parents are created when the server needs them. */
  async putText(key: StoreKey, text: string, contentType = "application/json"): Promise<void> {
    const put = () =>
      this.call("PUT", key.path, (signal) =>
        this.conn.client.putFileContents(key.path, text, { overwrite: true, signal, headers: { "Content-Type": contentType } }),
      );
    try {
      await put();
    } catch (err) {
      // nginx with create_full_put_path never answers 409 here; Apache does when a parent is missing
      if (!(err instanceof WebdavHttpError && err.status === 409)) throw err;
      await this.ensureParents(key);
      await put();
    }
  }

  /**
   * Streams `body` (exactly `size` bytes) to `key` with an explicit Content-Length. Not retried: the
   * body cannot be replayed (putStreamFrom can). A stall longer than the timeout aborts the upload.
   * Parents are not created first, so nothing exists before the object does (nginx's
   * create_full_put_path makes them with the object); a server that needs them answers 409.
   */
  async putStream(key: StoreKey, body: Readable, size: number): Promise<void> {
    const abort = new AbortController();
    const idle = setTimeout(() => abort.abort(), this.timeoutMs);
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
    this.requestCount++;
    const started = Date.now();
    try {
      await this.conn.client.putFileContents(key.path, tap, {
        overwrite: true,
        signal: abort.signal,
        headers: { "Content-Length": String(size) },
      });
      this.log.debug({ method: "PUT", path: key.path, bytes: size, ms: Date.now() - started }, "webdav upload");
    } catch (err) {
      tap.destroy();
      if (bodyError) throw new WebdavBodyError("PUT", key.path, { cause: bodyError });
      throw this.toError(err, "PUT", key.path);
    } finally {
      clearTimeout(idle);
    }
  }

  /**
   * putStream with the store's retry policy, for a body its owner can produce again: every attempt
   * calls `open()` for a fresh one. A 409 (a server without create_full_put_path missing the parents)
   * makes the parents once and streams again, without counting as a retry.
   */
  async putStreamFrom(key: StoreKey, open: () => Promise<{ body: Readable; size: number }>): Promise<void> {
    let madeParents = false;
    for (let retry = 0; ; ) {
      const { body, size } = await open();
      try {
        return await this.putStream(key, body, size);
      } catch (err) {
        body.destroy();
        if (err instanceof WebdavHttpError && err.status === 409 && !madeParents) {
          madeParents = true;
          await this.ensureParents(key);
          continue;
        }
        if (++retry > this.retries || !isTransient(err)) throw err;
        const delay = backoffDelay(retry, this.backoff);
        this.log.warn({ method: "PUT", path: key.path, attempt: retry + 1, delay_ms: delay, reason: (err as Error).message }, "streaming again to WebDAV");
        await this.sleep(delay);
      }
    }
  }

  /** Deletes an object; false when it was already absent. */
  async remove(key: StoreKey): Promise<boolean> {
    return this.delete(key.path);
  }

  /** Deletes a collection and everything below it; false when it was already absent. */
  async removeCollection(key: StoreKey): Promise<boolean> {
    return this.delete(`${key.path}/`);
  }

  /** MKCOL the collection `key` and each collection above it; existing ones are fine. */
  async ensureCollection(key: StoreKey): Promise<void> {
    const levels = [...parentKeys(key), key];
    for (const [i, k] of levels.entries()) {
      const made = await this.mkcol(this.conn.base + k.segments.join("/") + "/", `${k.path}/`);
      // 409 at the top: the base URL's own folders are missing (a fresh server); make them once
      if (made === "conflict" && i === 0) {
        await this.ensureBase();
        if ((await this.mkcol(this.conn.base + k.segments.join("/") + "/", `${k.path}/`)) === "made") continue;
      }
      if (made === "conflict") throw new WebdavHttpError("MKCOL", `${k.path}/`, 409, "Conflict");
    }
  }

  /** HEAD (or a one-byte GET) of any URL, trusting the store's CA; for checking light stemcells. */
  probe(url: string): Promise<ProbeResult> {
    return probeUrl(url, { ...this.conn.tls, timeoutMs: Math.min(this.timeoutMs, 30_000) });
  }

  close(): void {
    this.conn.close();
  }

  /** MKCOL of one absolute collection URL: "made" (201 or 405 = exists) or "conflict" (409, parent missing). */
  private async mkcol(url: string, shown: string): Promise<"made" | "conflict"> {
    try {
      await this.call("MKCOL", shown, (signal) => this.conn.client.customRequest("", { url, method: "MKCOL", signal }));
    } catch (err) {
      if (err instanceof WebdavHttpError && err.status === 405) return "made";
      if (err instanceof WebdavHttpError && err.status === 409) return "conflict";
      throw err;
    }
    return "made";
  }

  /** The folders of the base URL's path, outermost first (they come from configuration, not from callers). */
  private async ensureBase(): Promise<void> {
    const u = new URL(this.conn.base);
    const parts = u.pathname.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const path = `/${parts.slice(0, i).join("/")}/`;
      if ((await this.mkcol(`${u.origin}${path}`, path)) === "conflict") throw new WebdavHttpError("MKCOL", path, 409, "Conflict");
    }
  }

  private async ensureParents(key: StoreKey): Promise<void> {
    const parents = parentKeys(key);
    const last = parents[parents.length - 1];
    if (last) await this.ensureCollection(last);
  }

  private async delete(path: string): Promise<boolean> {
    try {
      await this.call("DELETE", path, (signal) => this.conn.client.deleteFile(path, { signal }));
      return true;
    } catch (err) {
      if (err instanceof WebdavHttpError && err.status === 404) return false;
      throw err;
    }
  }

  /** One idempotent operation with a per-attempt timeout and the retry policy. */
  private async call<T>(method: string, path: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.requestCount++;
      let failure: WebdavError;
      try {
        return await run(AbortSignal.timeout(this.timeoutMs));
      } catch (err) {
        failure = this.toError(err, method, path);
      }
      if (attempt > this.retries || !isTransient(failure)) throw failure;
      const delay = backoffDelay(attempt, this.backoff);
      this.log.warn({ method, path, attempt, delay_ms: delay, reason: failure.message }, "retrying WebDAV request");
      await this.sleep(delay);
    }
  }

  /** The `webdav` client's errors carry `.status` (HTTP) or node-fetch's `.code` (system); copy only those. */
  private toError(err: unknown, method: string, path: string): WebdavError {
    if (err instanceof WebdavError) return err;
    const e = err as { status?: unknown; response?: { statusText?: unknown }; code?: unknown; name?: unknown };
    if (typeof e.status === "number") {
      const text = typeof e.response?.statusText === "string" ? e.response.statusText : "";
      return new WebdavHttpError(method, path, e.status, text);
    }
    const timedOut = e.name === "AbortError" || e.name === "TimeoutError";
    const code = timedOut ? "ETIMEDOUT" : typeof e.code === "string" ? e.code : "ERR_UNKNOWN";
    return new WebdavUnavailable(method, path, code, this.conn.origin);
  }
}
