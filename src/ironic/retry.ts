// The one retry policy of the Ironic client (got's own retry is disabled: `retry: {limit: 0}`).
// openstacksdk retries [409, 503]; we narrow 409 to NodeLocked and never retry a lost claim.
import { IronicHttpError, IronicNodeLocked, IronicUnavailable } from "./errors.ts";

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  attempts: number;
  /** First backoff in ms; doubles per retry. */
  baseMs: number;
  /** Upper bound of one backoff in ms. */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 250, maxMs: 4000 };

export interface RetryRequest {
  method: string;
  /** Caller's statement that repeating the request is harmless; defaults by method (see isIdempotent). */
  idempotent?: boolean | undefined;
}

/** Error codes of a connection that failed or broke; got passes Node's codes through. */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
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

/**
 * Delay before retry number `retry` (1-based): exponential, capped, with "equal jitter" —
 * half fixed, half random — so concurrent losers of a lock spread out but never retry instantly.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
