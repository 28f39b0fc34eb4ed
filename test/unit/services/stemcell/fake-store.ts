// An in-memory stand-in for WebdavStore (unit tests of the stemcell and settings services): objects
// by path, a request counter, and switches to make an operation fail.
import type { Readable } from "node:stream";
import { WebdavHttpError } from "../../../../src/webdav/errors.ts";
import type { StoreKey } from "../../../../src/webdav/paths.ts";
import type { ProbeResult } from "../../../../src/webdav/probe.ts";
import type { StoreStat, WebdavStore } from "../../../../src/webdav/store.ts";

export class FakeStore {
  readonly objects = new Map<string, Buffer>();
  readonly calls: string[] = [];
  requestCount = 0;
  /** "METHOD /path" → error to throw (checked before the operation). */
  readonly failures = new Map<string, Error>();
  /** Fail a streamed PUT after this many bytes were read from its body. */
  failStreamAfter: { bytes: number; error: Error } | undefined;
  probeResult: ProbeResult = { reachable: true, status: 200, size: 1234, detail: "200 OK" };
  readonly url = "http://store.example/base/";

  asStore(): WebdavStore {
    return this as unknown as WebdavStore;
  }

  readUrl(key: StoreKey): string {
    return `http://read.example/images/${key.segments.join("/")}`;
  }

  private op(method: string, path: string): void {
    this.requestCount++;
    this.calls.push(`${method} ${path}`);
    const f = this.failures.get(`${method} ${path}`);
    if (f) throw f;
  }

  async getText(key: StoreKey): Promise<string | undefined> {
    this.op("GET", key.path);
    return this.objects.get(key.path)?.toString("utf8");
  }

  async putText(key: StoreKey, text: string): Promise<void> {
    this.op("PUT", key.path);
    this.objects.set(key.path, Buffer.from(text));
  }

  async putStream(key: StoreKey, body: Readable, size: number): Promise<void> {
    this.op("PUT", key.path);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of body) {
      chunks.push(c as Buffer);
      n += (c as Buffer).length;
      if (this.failStreamAfter && n >= this.failStreamAfter.bytes) {
        body.destroy();
        throw this.failStreamAfter.error;
      }
    }
    if (n !== size) throw new WebdavHttpError("PUT", key.path, 400, "length mismatch");
    this.objects.set(key.path, Buffer.concat(chunks));
  }

  /** The real store's contract in short: a fresh body per attempt, parents made once on 409, 5xx retried twice. */
  async putStreamFrom(key: StoreKey, open: () => Promise<{ body: Readable; size: number }>): Promise<void> {
    let madeParents = false;
    for (let retry = 0; ; ) {
      const { body, size } = await open();
      try {
        return await this.putStream(key, body, size);
      } catch (err) {
        body.destroy();
        const status = err instanceof WebdavHttpError ? err.status : 0;
        if (status === 409 && !madeParents) {
          madeParents = true;
          await this.ensureCollection({ segments: key.segments.slice(0, -1), path: key.path.replace(/\/[^/]*$/, "") });
          continue;
        }
        if (++retry > 2 || status < 500 || status === 507) throw err;
      }
    }
  }

  async stat(key: StoreKey): Promise<StoreStat | undefined> {
    this.op("PROPFIND", key.path);
    const o = this.objects.get(key.path);
    if (o) return { size: o.length, type: "file" };
    const dir = [...this.objects.keys()].some((p) => p.startsWith(`${key.path}/`));
    return dir ? { size: 0, type: "directory" } : undefined;
  }

  async exists(key: StoreKey): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async remove(key: StoreKey): Promise<boolean> {
    this.op("DELETE", key.path);
    return this.objects.delete(key.path);
  }

  async removeCollection(key: StoreKey): Promise<boolean> {
    this.op("DELETE", `${key.path}/`);
    let any = false;
    for (const p of [...this.objects.keys()]) if (p.startsWith(`${key.path}/`)) any = this.objects.delete(p) || any;
    return any;
  }

  /** Depth-1 listing derived from the object paths (the sweep of unfinished stemcells reads it). */
  async list(key?: StoreKey): Promise<Array<{ name: string; type: "file" | "directory"; modified: Date | undefined }>> {
    const base = key ? `${key.path}/` : "/";
    this.op("PROPFIND", base);
    const seen = new Map<string, "file" | "directory">();
    for (const p of this.objects.keys()) {
      if (!p.startsWith(base)) continue;
      const [head, ...rest] = p.slice(base.length).split("/");
      if (head) seen.set(head, rest.length > 0 ? "directory" : "file");
    }
    return [...seen].map(([name, type]) => ({ name, type, modified: this.modified }));
  }
  /** What list() reports as every entry's modification time. */
  modified: Date | undefined = new Date("2026-11-21T00:00:00Z");

  async ensureCollection(key: StoreKey): Promise<void> {
    this.op("MKCOL", `${key.path}/`);
  }

  async probe(url: string): Promise<ProbeResult> {
    this.calls.push(`PROBE ${url}`);
    return this.probeResult;
  }

  /** A light stemcell's image start: a raw disk unless a test says otherwise. */
  imageHeadResult: Buffer | undefined = Buffer.from([0xeb, 0x63, 0x90, 0x10]);

  async imageHead(url: string, n: number): Promise<Buffer | undefined> {
    this.calls.push(`HEAD-BYTES ${url} ${n}`);
    return this.imageHeadResult;
  }

  close(): void {}
}
