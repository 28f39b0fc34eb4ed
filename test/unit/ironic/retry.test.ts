import { describe, expect, test } from "vitest";
import { IronicBadResponse, IronicUnavailable } from "../../../src/ironic/errors.ts";
import { backoffDelay } from "../../../src/http/backoff.ts";
import { DEFAULT_RETRY, isIdempotent, shouldRetry } from "../../../src/ironic/retry.ts";
import { toIronicError } from "../../../src/ironic/transport.ts";
import { fixture } from "./fake-ironic-server.ts";

const http = (status: number, file: string) => toIronicError(status, "X", "u", JSON.stringify(fixture(file)));
const http5xx = (status: number) => toIronicError(status, "X", "u", fixture<string>("error-502-proxy.html"));
const net = (code: string) => new IronicUnavailable("X", "u", code, "detail", 1);

describe("shouldRetry", () => {
  // [description, error, GET?, PUT?, DELETE?, POST?, PATCH?, POST marked idempotent?]
  test.each([
    ["503", http5xx(503), true, true, true, false, false, true],
    ["502", http5xx(502), true, true, true, false, false, true],
    ["504", http5xx(504), true, true, true, false, false, true],
    ["500", http(500, "error-500-fields-allocation-uuid.json"), false, false, false, false, false, false],
    ["409 locked by host (NodeLocked)", http(409, "error-409-locked.json"), true, true, true, true, true, true],
    [
      "409 associated with instance (lost claim)",
      http(409, "error-409-associated.json"),
      false,
      false,
      false,
      false,
      false,
      false,
    ],
    ["409 duplicate MAC", http(409, "error-409-duplicate-mac.json"), false, false, false, false, false, false],
    ["404", http(404, "error-404-node.json"), false, false, false, false, false, false],
    ["400", http(400, "error-400-bad-mac.json"), false, false, false, false, false, false],
    ["406", http(406, "error-406-version.json"), false, false, false, false, false, false],
    ["ECONNREFUSED (never reached the server)", net("ECONNREFUSED"), true, true, true, true, true, true],
    ["ECONNRESET / socket hang up", net("ECONNRESET"), true, true, true, false, false, true],
    ["ETIMEDOUT", net("ETIMEDOUT"), true, true, true, false, false, true],
    ["ENOTFOUND (DNS)", net("ENOTFOUND"), false, false, false, false, false, false],
    ["a bad 2xx body", new IronicBadResponse("GET", "u", "x"), false, false, false, false, false, false],
    ["a plain Error", new Error("x"), false, false, false, false, false, false],
  ])("%s", (_name, err, get, put, del, post, patch, postIdempotent) => {
    expect(shouldRetry(err, { method: "GET" })).toBe(get);
    expect(shouldRetry(err, { method: "PUT" })).toBe(put);
    expect(shouldRetry(err, { method: "DELETE" })).toBe(del);
    expect(shouldRetry(err, { method: "POST" })).toBe(post);
    expect(shouldRetry(err, { method: "PATCH" })).toBe(patch);
    expect(shouldRetry(err, { method: "POST", idempotent: true })).toBe(postIdempotent);
  });

  test("a GET marked not idempotent is not retried after a reset", () => {
    expect(shouldRetry(net("ECONNRESET"), { method: "GET", idempotent: false })).toBe(false);
    expect(isIdempotent({ method: "get" })).toBe(true);
  });
});

describe("backoffDelay", () => {
  const policy = { attempts: 10, baseMs: 100, maxMs: 1000 };
  test("doubles from base, capped at max, half fixed half jitter", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  test("default policy", () => {
    expect(DEFAULT_RETRY).toEqual({ attempts: 5, baseMs: 250, maxMs: 4000 });
    const worst = [1, 2, 3, 4].reduce((sum, n) => sum + backoffDelay(n, DEFAULT_RETRY, () => 1), 0);
    expect(worst).toBe(250 + 500 + 1000 + 2000);
  });
});
