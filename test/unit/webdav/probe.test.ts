import { afterEach, describe, expect, it } from "vitest";
import { startFakeHttp, type FakeHttp } from "../../support/fake-http.ts";
import { probeUrl } from "../../../src/webdav/probe.ts";

let fake: FakeHttp | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("probeUrl", () => {
  it("is reachable on a 2xx HEAD, with its Content-Length", async () => {
    fake = await startFakeHttp({ "HEAD /img.qcow2": { status: 200, headers: { "content-length": "1234" } } });
    expect(await probeUrl(`${fake.url}/img.qcow2`)).toEqual({
      reachable: true,
      status: 200,
      size: 1234,
      detail: "200 OK",
    });
  });

  it("falls back to a one-byte GET when HEAD is refused, and takes the size from Content-Range", async () => {
    fake = await startFakeHttp({
      "HEAD /img": { status: 405 },
      "GET /img": { status: 206, headers: { "content-range": "bytes 0-0/987654" }, body: "x" },
    });
    expect(await probeUrl(`${fake.url}/img`)).toMatchObject({ reachable: true, status: 206, size: 987654 });
    expect(fake.calls("GET /img")[0]?.headers.range).toBe("bytes=0-0");
  });

  it("sends URL credentials as basic auth", async () => {
    fake = await startFakeHttp({ "HEAD /img": (r) => ({ status: r.headers.authorization ? 200 : 401 }) });
    expect((await probeUrl(`${fake.url.replace("//", "//u:p@")}/img`)).reachable).toBe(true);
  });

  it("is not reachable on 404, nor on a closed port", async () => {
    fake = await startFakeHttp({ "HEAD /gone": { status: 404 } });
    expect(await probeUrl(`${fake.url}/gone`)).toMatchObject({
      reachable: false,
      status: 404,
      detail: "404 Not Found",
    });
    const url = fake.url;
    await fake.close();
    fake = undefined;
    expect(await probeUrl(`${url}/gone`, { timeoutMs: 2000 })).toEqual({ reachable: false, detail: "ECONNREFUSED" });
  });
});
