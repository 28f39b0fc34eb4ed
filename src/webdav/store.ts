// THE WebDAV store: objects named by StoreKey (paths.ts) below one base URL. Knows no BOSH.
// nginx quirks handled here and in collections.ts/upload.ts (configdrive-webdav-tools.md §3):
// collections take a trailing slash on MKCOL/DELETE, an existing collection answers MKCOL with 405,
// and a stream's Content-Length must be given as a header.
import type { Readable } from "node:stream";
import { Collections } from "./collections.ts";
import { openConnection, splitCredentials, type Connection, type ConnectionOptions } from "./connection.ts";
import { WebdavHttpError } from "./errors.ts";
import type { StoreKey } from "./paths.ts";
import { imageHead, probeUrl, type ProbeResult } from "./probe.ts";
import { Requests, type StoreLogger } from "./requests.ts";
import type { Backoff } from "../http/backoff.ts";
import { DEFAULT_BACKOFF } from "./retry.ts";
import { streamPut } from "./upload.ts";

export { WebdavBodyError } from "./upload.ts";
export type { StoreLogger } from "./requests.ts";

export interface StoreOptions extends ConnectionOptions {
  /** Base URL readers (Ironic conductors) use for the same tree; default: `url`. Never carries credentials. */
  readUrl?: string | undefined;
  /** Limit for one small request, and for a streamed upload the longest pause without progress (default 300 s). */
  timeoutMs?: number | undefined;
  /** Extra attempts of an operation on 5xx or connection errors (default 4). */
  retries?: number | undefined;
  log?: StoreLogger | undefined;
  backoff?: Backoff | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

export interface StoreStat {
  size: number;
  type: "file" | "directory";
}

export interface StoreEntry {
  name: string;
  type: "file" | "directory";
  /** Last modification as the server reports it (undefined when it reports none). */
  modified: Date | undefined;
}

const NO_LOG = { debug() {}, info() {}, warn() {} } as unknown as StoreLogger;
const isStatus = (err: unknown, status: number) => err instanceof WebdavHttpError && err.status === status;

export class WebdavStore {
  private readonly conn: Connection;
  private readonly requests: Requests;
  private readonly collections: Collections;
  private readonly readBase: string;

  constructor(opts: StoreOptions) {
    this.conn = openConnection(opts);
    this.readBase = splitCredentials(opts.readUrl ?? opts.url).base;
    this.requests = new Requests({
      origin: this.conn.origin,
      timeoutMs: opts.timeoutMs ?? 300_000,
      retries: opts.retries ?? 4,
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      log: opts.log ?? NO_LOG,
      sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    });
    this.collections = new Collections(this.requests, this.conn.client, this.conn.base);
  }

  /** HTTP requests sent, retries included (tests prove that refused input sent none). */
  get requestCount(): number {
    return this.requests.count;
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
      return await this.requests.call(
        "GET",
        key.path,
        async (signal) =>
          (await this.conn.client()).getFileContents(key.path, { format: "text", signal }) as Promise<string>,
      );
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  async stat(key: StoreKey): Promise<StoreStat | undefined> {
    try {
      const st = await this.requests.call(
        "PROPFIND",
        key.path,
        async (signal) => (await this.conn.client()).stat(key.path, { signal }) as Promise<StoreStat>,
      );
      return { size: st.size, type: st.type };
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** The entries of a collection (the base when no key), one PROPFIND of depth 1; [] when absent. */
  async list(key?: StoreKey): Promise<StoreEntry[]> {
    const path = key ? `${key.path}/` : "/";
    try {
      const found = (await this.requests.call("PROPFIND", path, async (signal) =>
        (await this.conn.client()).getDirectoryContents(path, { signal }),
      )) as Array<{ basename: string; type: "file" | "directory"; lastmod?: string }>;
      return found.map((e) => ({
        name: e.basename,
        type: e.type,
        modified: e.lastmod ? new Date(e.lastmod) : undefined,
      }));
    } catch (err) {
      if (isStatus(err, 404)) return [];
      throw err;
    }
  }

  async exists(key: StoreKey): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  /** PUT of a small body, replacing any existing object. Parents are created when the server needs them. */
  async putText(key: StoreKey, text: string, contentType = "application/json"): Promise<void> {
    const put = () =>
      this.requests.call("PUT", key.path, async (signal) =>
        (await this.conn.client()).putFileContents(key.path, text, {
          overwrite: true,
          signal,
          headers: { "Content-Type": contentType },
        }),
      );
    try {
      await put();
    } catch (err) {
      // nginx with create_full_put_path never answers 409 here; Apache does when a parent is missing
      if (!isStatus(err, 409)) throw err;
      await this.collections.ensureParents(key);
      await put();
    }
  }

  /**
   * Streams `body` (exactly `size` bytes) to `key`. Not retried: the body cannot be replayed
   * (putStreamFrom can). Parents are not created first, so nothing exists before the object does
   * (nginx's create_full_put_path makes them with the object); a server that needs them answers 409.
   */
  putStream(key: StoreKey, body: Readable, size: number): Promise<void> {
    return streamPut(this.requests, this.conn.client, key, body, size);
  }

  /**
   * putStream with the store's retry policy, for a body its owner can produce again: every attempt
   * calls `open()` for a fresh one. A 409 (a server without create_full_put_path missing the parents)
   * makes the parents once and streams again, without counting as a retry.
   */
  async putStreamFrom(key: StoreKey, open: () => Promise<{ body: Readable; size: number }>): Promise<void> {
    let madeParents = false;
    await this.requests.retrying("PUT", key.path, "streaming again to WebDAV", async () => {
      for (;;) {
        const { body, size } = await open();
        try {
          return await this.putStream(key, body, size);
        } catch (err) {
          body.destroy();
          if (!isStatus(err, 409) || madeParents) throw err;
          madeParents = true;
          await this.collections.ensureParents(key);
        }
      }
    });
  }

  /** Deletes an object; false when it was already absent. */
  remove(key: StoreKey): Promise<boolean> {
    return this.delete(key.path);
  }

  /** Deletes a collection and everything below it (trailing slash: nginx); false when it was already absent. */
  removeCollection(key: StoreKey): Promise<boolean> {
    return this.delete(`${key.path}/`);
  }

  /** MKCOL the collection `key` and each collection above it; existing ones are fine. */
  ensureCollection(key: StoreKey): Promise<void> {
    return this.collections.ensure(key);
  }

  /** HEAD (or a one-byte GET) of any URL, trusting the store's CA; for checking light stemcells. */
  probe(url: string): Promise<ProbeResult> {
    return probeUrl(url, { ...this.conn.tls, timeoutMs: Math.min(this.requests.policy.timeoutMs, 30_000) });
  }

  /** The first `n` bytes of an image outside the store (a light stemcell's), or undefined when unreadable. */
  imageHead(url: string, n: number): Promise<Buffer | undefined> {
    return imageHead(url, n, { ...this.conn.tls, timeoutMs: Math.min(this.requests.policy.timeoutMs, 30_000) });
  }

  close(): void {
    this.conn.close();
  }

  private async delete(path: string): Promise<boolean> {
    try {
      await this.requests.call("DELETE", path, async (signal) =>
        (await this.conn.client()).deleteFile(path, { signal }),
      );
      return true;
    } catch (err) {
      if (isStatus(err, 404)) return false;
      throw err;
    }
  }
}
