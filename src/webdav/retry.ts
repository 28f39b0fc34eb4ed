// The one retry policy of the store. Every operation it retries is idempotent by construction
// (PUT of a whole small body, GET, PROPFIND, MKCOL with 405 = exists, DELETE with 404 = gone);
// a streamed PUT is never retried here because its body cannot be replayed.
import { WebdavHttpError, WebdavUnavailable } from "./errors.ts";

/** Connection-level codes worth another try; TLS verification failures are not among them. */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
]);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

export function isTransient(err: unknown): boolean {
  if (err instanceof WebdavHttpError) return TRANSIENT_STATUS.has(err.status);
  if (err instanceof WebdavUnavailable) return TRANSIENT_CODES.has(err.code);
  return false;
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 200, maxMs: 3_000 };

/** Delay before retry number `retry` (1-based): doubling, capped, with half of it random. */
export function backoffDelay(retry: number, b: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
