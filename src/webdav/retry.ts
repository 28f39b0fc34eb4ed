// The one retry policy of the store. Every operation it retries is idempotent by construction
// (PUT of a whole small body, GET, PROPFIND, MKCOL with 405 = exists, DELETE with 404 = gone);
// a streamed PUT is never retried here because its body cannot be replayed.
import { type Backoff, TRANSIENT_CODES } from "../http/backoff.ts";
import { WebdavHttpError, WebdavUnavailable } from "./errors.ts";

const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

export function isTransient(err: unknown): boolean {
  if (err instanceof WebdavHttpError) return TRANSIENT_STATUS.has(err.status);
  if (err instanceof WebdavUnavailable) return TRANSIENT_CODES.has(err.code);
  return false;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 200, maxMs: 3_000 };
