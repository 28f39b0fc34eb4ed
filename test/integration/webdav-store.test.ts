// THE store against the real nginx WebDAV of the integration setup (and, for "down", one of its own).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { startWebdav } from "../harness/webdav.ts";
import { webdav } from "../support/servers.ts";
import { TRAVERSALS, settledAccessLogLines } from "../unit/webdav/traversals.ts";
import { UnsafeKeyError, WebdavHttpError, WebdavUnavailable } from "../../src/webdav/errors.ts";
import { storeKey } from "../../src/webdav/paths.ts";
import { WebdavStore } from "../../src/webdav/store.ts";

const run = `it-store-${randomBytes(4).toString("hex")}`;
const stores: WebdavStore[] = [];
afterAll(() => Promise.all(stores.map((s) => s.close())));

function store(path = run, extra: Partial<ConstructorParameters<typeof WebdavStore>[0]> = {}): WebdavStore {
  const w = webdav();
  const s = new WebdavStore({
    url: `${w.url}${path}/`,
    username: w.username,
    password: w.password,
    retries: 1,
    ...extra,
  });
  stores.push(s);
  return s;
}

describe("WebdavStore on nginx", () => {
  it("creates the base URL's folders on a fresh server, then round-trips small objects", async () => {
    const s = store(`${run}/fresh/deeper`);
    await s.ensureCollection(storeKey("a", "b"));
    await s.ensureCollection(storeKey("a", "b")); // existing: nginx answers 405, which is fine
    await s.putText(storeKey("a", "b", "settings"), '{"agent_id":"x"}');
    expect(await s.getText(storeKey("a", "b", "settings"))).toBe('{"agent_id":"x"}');
    expect(await s.stat(storeKey("a", "b", "settings"))).toEqual({ size: 16, type: "file" });
    expect(await s.stat(storeKey("a", "b"))).toMatchObject({ type: "directory" });
    expect(readFileSync(join(webdav().dataDir, run, "fresh", "deeper", "a", "b", "settings"), "utf8")).toBe(
      '{"agent_id":"x"}',
    );
  });

  it("overwrites, deletes files and whole collections, and counts absent ones as gone", async () => {
    const s = store();
    await s.putText(storeKey("c", "d", "x.json"), "1");
    await s.putText(storeKey("c", "d", "x.json"), "22");
    expect(await s.getText(storeKey("c", "d", "x.json"))).toBe("22");
    expect(await s.remove(storeKey("c", "d", "x.json"))).toBe(true);
    expect(await s.remove(storeKey("c", "d", "x.json"))).toBe(false);
    await s.putText(storeKey("c", "d", "y.json"), "3");
    expect(await s.removeCollection(storeKey("c"))).toBe(true);
    expect(await s.removeCollection(storeKey("c"))).toBe(false);
    expect(existsSync(join(webdav().dataDir, run, "c"))).toBe(false);
    expect(await s.getText(storeKey("c", "d", "y.json"))).toBeUndefined();
  });

  it("streams 24 MiB with a Content-Length into a folder nginx creates with the object", async () => {
    const s = store();
    const data = randomBytes(24 * 1024 * 1024);
    const chunks = Array.from({ length: 24 }, (_, i) => data.subarray(i << 20, (i + 1) << 20));
    await s.putStream(storeKey("big", "root.img"), Readable.from(chunks), data.length);
    expect(readFileSync(join(webdav().dataDir, run, "big", "root.img")).equals(data)).toBe(true);
    expect(await s.stat(storeKey("big", "root.img"))).toEqual({ size: data.length, type: "file" });
  });

  it("refuses traversal names before any request reaches nginx", async () => {
    const before = await settledAccessLogLines(webdav().dataDir);
    for (const bad of TRAVERSALS) expect(() => storeKey(run, bad)).toThrow(UnsafeKeyError);
    expect(await settledAccessLogLines(webdav().dataDir)).toBe(before);
  });

  it("wrong credentials: 401, not retried", async () => {
    const s = store(run, { password: "wrong-password", retries: 3 });
    const err = await s.putText(storeKey("anything"), "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebdavHttpError);
    expect(err).toMatchObject({ status: 401 });
    expect(s.requestCount).toBe(1);
  });

  it("a stopped server: WebdavUnavailable ECONNREFUSED after the configured retries", async () => {
    const own = await startWebdav({ username: "cpi", password: "down-test-pw" });
    const s = new WebdavStore({
      url: own.url,
      username: "cpi",
      password: "down-test-pw",
      retries: 2,
      sleep: async () => {},
    });
    stores.push(s);
    await s.putText(storeKey("alive"), "1");
    await own.stop();
    const err = await s.stat(storeKey("alive")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebdavUnavailable);
    expect(err).toMatchObject({ code: "ECONNREFUSED" });
    expect((err as Error).message).not.toContain("down-test-pw");
    expect(s.requestCount).toBe(1 + 3); // the PUT, then the first PROPFIND and its 2 retries
  });
});
