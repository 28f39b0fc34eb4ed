import { describe, expect, it } from "vitest";
import { WebdavHttpError, WebdavUnavailable } from "../../../src/webdav/errors.ts";
import { backoffDelay } from "../../../src/http/backoff.ts";
import { isTransient } from "../../../src/webdav/retry.ts";

describe("store retry policy", () => {
  it("retries 5xx and dropped connections, never client errors or TLS failures", () => {
    for (const s of [500, 502, 503, 504]) expect(isTransient(new WebdavHttpError("GET", "/x", s))).toBe(true);
    for (const s of [400, 401, 403, 404, 405, 409, 412, 413])
      expect(isTransient(new WebdavHttpError("GET", "/x", s))).toBe(false);
    for (const c of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"])
      expect(isTransient(new WebdavUnavailable("GET", "/x", c, "http://h"))).toBe(true);
    for (const c of ["DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", "ERR_UNKNOWN"])
      expect(isTransient(new WebdavUnavailable("GET", "/x", c, "http://h"))).toBe(false);
    expect(isTransient(new Error("x"))).toBe(false);
  });

  it("doubles the delay up to the cap, half of it random", () => {
    const b = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, b, () => 0)).toBe(50);
    expect(backoffDelay(1, b, () => 1)).toBe(100);
    expect(backoffDelay(3, b, () => 1)).toBe(400);
    expect(backoffDelay(10, b, () => 1)).toBe(1000);
    expect(backoffDelay(10, b, () => 0)).toBe(500);
  });
});
