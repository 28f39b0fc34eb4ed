// HTTP basic auth for the registry. Credentials are compared through fixed-length digests with
// timingSafeEqual, so neither the comparison time nor an early length mismatch reveals how much of a
// guess was right.
import { createHash, timingSafeEqual } from "node:crypto";

export interface Credentials {
  username: string;
  password: string;
}

/** "Basic base64(user:pass)" → credentials; undefined when absent or malformed. */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function authorized(header: string | undefined, expected: Credentials): boolean {
  const given = parseBasicAuth(header);
  if (!given) return false;
  // both comparisons always run: no shortcut on a wrong username
  const user = sameSecret(given.username, expected.username);
  const pass = sameSecret(given.password, expected.password);
  return user && pass;
}
