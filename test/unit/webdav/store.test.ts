// The store against a fake HTTP server (the real nginx is in test/integration/webdav-store.test.ts).
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeHttp, type FakeHttp } from "../../support/fake-http.ts";
import { WebdavHttpError, WebdavUnavailable } from "../../../src/webdav/errors.ts";
import { storeKey } from "../../../src/webdav/paths.ts";
import { WebdavBodyError, WebdavStore, type StoreOptions } from "../../../src/webdav/store.ts";

let fake: FakeHttp | undefined;
const stores: WebdavStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  await fake?.close();
  fake = undefined;
});

async function setup(routes: Parameters<typeof startFakeHttp>[0] = {}, opts: Partial<StoreOptions> = {}) {
  fake = await startFakeHttp(routes);
  const delays: number[] = [];
  const base = fake.url.replace("http://", "http://cpi:s3cr3t@");
  const store = new WebdavStore({
    url: `${base}/base`,
    retries: 2,
    sleep: async (ms) => void delays.push(ms),
    ...opts,
  });
  stores.push(store);
  return { fake, store, delays };
}

const multistatus = (href: string, size: number) => `<?xml version="1.0" encoding="utf-8" ?>
<D:multistatus xmlns:D="DAV:"><D:response><D:href>${href}</D:href><D:propstat><D:prop><D:displayname>x</D:displayname>
<D:getcontentlength>${size}</D:getcontentlength><D:getlastmodified>Sat, 21 Nov 2026 16:04:56 GMT</D:getlastmodified><D:resourcetype/></D:prop>
<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`;

describe("WebdavStore", () => {
  it("sends basic auth from URL credentials and keeps them out of URLs it hands out", async () => {
    const { fake, store } = await setup({ "GET /base/a/b.json": { body: '{"x":1}' } });
    expect(await store.getText(storeKey("a", "b.json"))).toBe('{"x":1}');
    expect(fake.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from("cpi:s3cr3t").toString("base64")}`);
    expect(store.url).toBe(`${fake.url}/base/`);
    expect(store.readUrl(storeKey("s", "root.img"))).toBe(`${fake.url}/base/s/root.img`);
  });

  it("hands out read_url-based URLs, without credentials", async () => {
    const { store } = await setup({}, { readUrl: "http://u:p@conductor-side.example:8080/images" });
    expect(store.readUrl(storeKey("stemcell-1", "root.img"))).toBe(
      "http://conductor-side.example:8080/images/stemcell-1/root.img",
    );
  });

  it("retries a 503 and succeeds; answers undefined for 404 without retrying", async () => {
    const { fake, store, delays } = await setup({
      "GET /base/flaky": [{ status: 503 }, { status: 503 }, { body: "ok" }],
      "GET /base/missing": { status: 404 },
    });
    expect(await store.getText(storeKey("flaky"))).toBe("ok");
    expect(delays).toHaveLength(2);
    expect(await store.getText(storeKey("missing"))).toBeUndefined();
    expect(fake.calls("GET /base/missing")).toHaveLength(1);
    expect(store.requestCount).toBe(4);
  });

  it("gives up after `retries` extra attempts with a typed error naming method, path and status", async () => {
    const { fake, store } = await setup({ "GET /base/down": { status: 502 } });
    const err = await store.getText(storeKey("down")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebdavHttpError);
    expect(err).toMatchObject({ status: 502, method: "GET", path: "/down" });
    expect((err as Error).message).not.toMatch(/s3cr3t|cpi:/);
    expect(fake.requests).toHaveLength(3);
  });

  it("streams with an explicit Content-Length, never chunked", async () => {
    const { fake, store } = await setup({ "PUT /base/s/root.img": { status: 201 } });
    const data = Buffer.alloc(300_000, 7);
    await store.putStream(
      storeKey("s", "root.img"),
      Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
      data.length,
    );
    const put = fake.calls("PUT /base/s/root.img")[0];
    expect(put?.headers["content-length"]).toBe(String(data.length));
    expect(put?.headers["transfer-encoding"]).toBeUndefined();
    expect(put?.body.length).toBe(data.length);
    expect(fake.requests.map((r) => r.method)).toEqual(["PUT"]); // no MKCOL before a stream: nothing exists before the object
  });

  it("does not retry a stream (its body cannot be replayed) and reports the server's status", async () => {
    const { fake, store } = await setup({ "PUT /base/s/root.img": { status: 507 } });
    const err = await store
      .putStream(storeKey("s", "root.img"), Readable.from([Buffer.alloc(10)]), 10)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 507 });
    expect(fake.requests).toHaveLength(1);
  });

  it("putStreamFrom: a 503 or a dropped connection is retried with a fresh body, a 401 is not", async () => {
    const { fake, store, delays } = await setup({
      "PUT /base/s/root.img": [{ status: 503 }, { hangUp: true }, { status: 201 }],
      "PUT /base/s/denied": { status: 401 },
    });
    let opened = 0;
    const open = async () => {
      opened++;
      return { body: Readable.from([Buffer.alloc(50_000, opened)]), size: 50_000 };
    };
    await store.putStreamFrom(storeKey("s", "root.img"), open);
    expect(opened).toBe(3);
    expect(delays).toHaveLength(2);
    expect(fake.calls("PUT /base/s/root.img").at(-1)?.body).toBe(Buffer.alloc(50_000, 3).toString("utf8"));
    opened = 0;
    await expect(store.putStreamFrom(storeKey("s", "denied"), open)).rejects.toMatchObject({ status: 401 });
    expect(opened).toBe(1);
  });

  it("putStreamFrom: a 409 makes the parents once and streams again, not counted as a retry", async () => {
    const { fake, store, delays } = await setup(
      {
        "PUT /base/a/b/root.img": [{ status: 409 }, { status: 201 }],
        "MKCOL /base/a/": { status: 201 },
        "MKCOL /base/a/b/": { status: 201 },
      },
      { retries: 0 },
    );
    await store.putStreamFrom(storeKey("a", "b", "root.img"), async () => ({
      body: Readable.from([Buffer.alloc(10)]),
      size: 10,
    }));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "PUT /base/a/b/root.img",
      "MKCOL /base/a/",
      "MKCOL /base/a/b/",
      "PUT /base/a/b/root.img",
    ]);
    expect(delays).toHaveLength(0);
  });

  it("says so when the upload's own source failed", async () => {
    const { store } = await setup({ "PUT /base/s/root.img": { status: 201 } });
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(100));
    setTimeout(() => body.destroy(new Error("corrupt archive")), 20);
    const err = await store.putStream(storeKey("s", "root.img"), body, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebdavBodyError);
    expect((err as Error).cause).toMatchObject({ message: "corrupt archive" });
  });

  it("aborts a request that gets no answer in time: ETIMEDOUT", async () => {
    const { store } = await setup(
      { "GET /base/slow": { body: "late", delayMs: 2000 } },
      { timeoutMs: 100, retries: 0 },
    );
    const err = await store.getText(storeKey("slow")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebdavUnavailable);
    expect(err).toMatchObject({ code: "ETIMEDOUT" });
  });

  it("reports a closed port as WebdavUnavailable ECONNREFUSED after its retries", async () => {
    const { fake, store: _ } = await setup();
    const url = fake.url;
    await fake.close();
    const delays: number[] = [];
    const store = new WebdavStore({ url, retries: 3, sleep: async (ms) => void delays.push(ms) });
    stores.push(store);
    const err = await store.stat(storeKey("x")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebdavUnavailable);
    expect(err).toMatchObject({ code: "ECONNREFUSED", method: "PROPFIND" });
    expect(delays).toHaveLength(3);
  });

  it("puts small bodies directly; on 409 (parents missing, e.g. Apache) it makes them and puts again", async () => {
    const { fake, store } = await setup({
      "PUT /base/r/instances/vm-1/settings": [{ status: 409 }, { status: 201 }],
      "MKCOL /base/r/": { status: 201 },
      "MKCOL /base/r/instances/": { status: 405 },
      "MKCOL /base/r/instances/vm-1/": { status: 201 },
    });
    await store.putText(storeKey("r", "instances", "vm-1", "settings"), "{}");
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "PUT /base/r/instances/vm-1/settings",
      "MKCOL /base/r/",
      "MKCOL /base/r/instances/",
      "MKCOL /base/r/instances/vm-1/",
      "PUT /base/r/instances/vm-1/settings",
    ]);
    expect(fake.requests[0]?.headers["content-type"]).toBe("application/json");
  });

  it("makes the base URL's own folders when the first MKCOL finds them missing", async () => {
    const { fake, store } = await setup({
      "MKCOL /base/c/": [{ status: 409 }, { status: 201 }],
      "MKCOL /base/": { status: 201 },
    });
    await store.ensureCollection(storeKey("c"));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "MKCOL /base/c/",
      "MKCOL /base/",
      "MKCOL /base/c/",
    ]);
  });

  it("deletes collections with a trailing slash (nginx), and counts 404 as already gone", async () => {
    const { fake, store } = await setup({
      "DELETE /base/s/": [{ status: 204 }, { status: 404 }],
      "DELETE /base/f": { status: 404 },
    });
    expect(await store.removeCollection(storeKey("s"))).toBe(true);
    expect(await store.removeCollection(storeKey("s"))).toBe(false);
    expect(await store.remove(storeKey("f"))).toBe(false);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "DELETE /base/s/",
      "DELETE /base/s/",
      "DELETE /base/f",
    ]);
  });

  it("stats with PROPFIND Depth 0", async () => {
    const { fake, store } = await setup({
      "PROPFIND /base/s/root.img": {
        status: 207,
        body: multistatus("/base/s/root.img", 4096),
        headers: { "content-type": "application/xml" },
      },
      "PROPFIND /base/none": { status: 404 },
    });
    expect(await store.stat(storeKey("s", "root.img"))).toEqual({ size: 4096, type: "file" });
    expect(await store.exists(storeKey("none"))).toBe(false);
    expect(fake.requests[0]?.headers.depth).toBe("0");
  });
});
