import { describe, expect, it } from "vitest";
import { splitCredentials } from "../../../src/webdav/connection.ts";
import { describeStoreError, WebdavHttpError, WebdavUnavailable } from "../../../src/webdav/errors.ts";

describe("store URL", () => {
  it("moves URL credentials out of the base, which always ends in /", () => {
    expect(splitCredentials("http://u%40x:p%3Aw@dav.example:8080/images")).toEqual({
      base: "http://dav.example:8080/images/",
      username: "u@x",
      password: "p:w",
    });
    expect(splitCredentials("https://dav.example/")).toEqual({ base: "https://dav.example/" });
    expect(splitCredentials("https://dav.example/a/b/?q=1#f").base).toBe("https://dav.example/a/b/");
  });

  it("describes failures with method, path and status or code only", () => {
    expect(describeStoreError(new WebdavHttpError("PUT", "/s/root.img", 507, "Insufficient Storage"))).toBe(
      "WebDAV PUT /s/root.img: 507 Insufficient Storage",
    );
    expect(describeStoreError(new WebdavUnavailable("GET", "/r", "ECONNREFUSED", "http://127.0.0.1:1"))).toBe(
      "WebDAV GET /r: no answer from http://127.0.0.1:1 (ECONNREFUSED)",
    );
  });
});
