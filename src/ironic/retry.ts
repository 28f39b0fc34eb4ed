// The one retry policy of the Ironic client (got's own retry is disabled: `retry: {limit: 0}`).
// openstacksdk retries [409, 503]; we narrow 409 to NodeLocked and never retry a lost claim.
import { type Backoff, TRANSIENT_CODES } from "../http/backoff.ts";
import { IronicHttpError, IronicNodeLocked, IronicUnavailable } from "./errors.ts";

export interface RetryPolicy extends Backoff {
  /** Total attempts including the first (1 = no retry). */
  attempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 250, maxMs: 4000 };

export interface RetryRequest {
  method: string;
  /** Caller's statement that repeating the request is harmless; defaults by method (see isIdempotent). */
  idempotent?: boolean | undefined;
}

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** RFC 9110 idempotent methods unless the caller says otherwise; POST and PATCH are not. */
export function isIdempotent(req: RetryRequest): boolean {
  return req.idempotent ?? IDEMPOTENT_METHODS.has(req.method.toUpperCase());
}

/**
 * Should this failure be retried?
 * - 409 NodeLocked: yes, any method — Ironic refused before doing anything ("please retry").
 * - 409 "is associated with instance" and every other 409/4xx/500: never.
 * - ECONNREFUSED: yes, any method — the request never reached the server.
 * - 502/503/504, ECONNRESET, ETIMEDOUT, socket hang up: only when repeating is harmless (isIdempotent).
 */
export function shouldRetry(err: unknown, req: RetryRequest): boolean {
  if (err instanceof IronicNodeLocked) return true;
  if (err instanceof IronicUnavailable) {
    if (err.code === "ECONNREFUSED") return true;
    return TRANSIENT_CODES.has(err.code) && isIdempotent(req);
  }
  if (err instanceof IronicHttpError) {
    return (err.status === 502 || err.status === 503 || err.status === 504) && isIdempotent(req);
  }
  return false;
}

/**
 * A failure after which nobody knows whether Ironic acted: the request may have been processed
 * (502/503/504 from a proxy, a reset or timed-out connection). ECONNREFUSED never reached it.
 */
export function outcomeUnknown(err: unknown, method: string): boolean {
  return shouldRetry(err, { method, idempotent: true }) && !shouldRetry(err, { method, idempotent: false });
}
