// Collections (folders) of the store. nginx wants a trailing slash on MKCOL (without: 409) and answers
// 405 for one that exists, which counts as made: MKCOL here is idempotent (the 2016 CPI's was not).
import type { WebDAVClient } from "webdav";
import { WebdavHttpError } from "./errors.ts";
import { parentKeys, type StoreKey } from "./paths.ts";
import type { Requests } from "./requests.ts";

export class Collections {
  constructor(
    private readonly requests: Requests,
    private readonly client: () => Promise<WebDAVClient>,
    /** The store's base URL, ending in "/". */
    private readonly base: string,
  ) {}

  /** MKCOL `key` and each collection above it; existing ones are fine. */
  async ensure(key: StoreKey): Promise<void> {
    for (const [i, k] of [...parentKeys(key), key].entries()) {
      const url = `${this.base}${k.segments.join("/")}/`;
      let made = await this.mkcol(url, `${k.path}/`);
      // 409 at the top: the base URL's own folders are missing (a fresh server); make them, then again
      if (made === "conflict" && i === 0) {
        await this.ensureBase();
        made = await this.mkcol(url, `${k.path}/`);
      }
      if (made === "conflict") throw new WebdavHttpError("MKCOL", `${k.path}/`, 409, "Conflict");
    }
  }

  /** The collections holding `key` (not `key` itself). */
  async ensureParents(key: StoreKey): Promise<void> {
    const parents = parentKeys(key);
    const last = parents[parents.length - 1];
    if (last) await this.ensure(last);
  }

  /** MKCOL of one absolute collection URL: "made" (201, or 405 = exists) or "conflict" (409, parent missing). */
  private async mkcol(url: string, shown: string): Promise<"made" | "conflict"> {
    try {
      await this.requests.call("MKCOL", shown, async (signal) =>
        (await this.client()).customRequest("", { url, method: "MKCOL", signal }),
      );
    } catch (err) {
      if (err instanceof WebdavHttpError && err.status === 405) return "made";
      if (err instanceof WebdavHttpError && err.status === 409) return "conflict";
      throw err;
    }
    return "made";
  }

  /** The folders of the base URL's path, outermost first (they come from configuration, not from callers). */
  private async ensureBase(): Promise<void> {
    const u = new URL(this.base);
    const parts = u.pathname.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const path = `/${parts.slice(0, i).join("/")}/`;
      if ((await this.mkcol(`${u.origin}${path}`, path)) === "conflict")
        throw new WebdavHttpError("MKCOL", path, 409, "Conflict");
    }
  }
}
