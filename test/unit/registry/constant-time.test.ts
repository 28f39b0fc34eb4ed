// The registry compares credentials in constant time: both the username and the password always go
// through crypto.timingSafeEqual, over SHA-256 digests of equal length whatever was sent, so neither an
// early exit on a wrong username nor a length mismatch tells an attacker how close a guess was.
import * as crypto from "node:crypto";
import { beforeEach, expect, test, vi } from "vitest";

vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:crypto")>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

const { authorized } = await import("../../../src/registry/auth.ts");
const spy = vi.mocked(crypto.timingSafeEqual);
const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;
const EXPECTED = { username: "registry", password: "registry-pw-U9b4Kt1Ym" };

beforeEach(() => {
  spy.mockClear();
});

test.each([
  ["the right pair", "registry:registry-pw-U9b4Kt1Ym", true],
  ["a wrong username (no shortcut)", "admin:registry-pw-U9b4Kt1Ym", false],
  ["a wrong password", "registry:registry-pw-U9b4Kt1Yx", false],
  ["an empty password", "registry:", false],
  ["a 10 000-character password", `registry:${"x".repeat(10_000)}`, false],
  ["a one-character username", "r:registry-pw-U9b4Kt1Ym", false],
])("%s: two timingSafeEqual calls over 32-byte digests", (_what, pair, ok) => {
  expect(authorized(basic(pair), EXPECTED)).toBe(ok);
  expect(spy).toHaveBeenCalledTimes(2);
  for (const [a, b] of spy.mock.calls) {
    expect(Buffer.isBuffer(a) && Buffer.isBuffer(b)).toBe(true);
    expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
  }
});

test("no credentials at all: refused before any comparison (nothing to time)", () => {
  expect(authorized(undefined, EXPECTED)).toBe(false);
  expect(authorized("Bearer x", EXPECTED)).toBe(false);
  expect(spy).not.toHaveBeenCalled();
});
