// What the Ironic client and the WebDAV store share about retrying: which connection failures are
// worth another try, and how long to wait before it. Each client keeps its own rules for *what*
// may be retried (Ironic: 409 NodeLocked, idempotent methods; WebDAV: every operation is idempotent).

/** Error codes of a connection that failed or broke (Node's and undici's); TLS failures are not among them. */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
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

export interface Backoff {
  /** First backoff in ms; doubles per retry. */
  baseMs: number;
  /** Upper bound of one backoff in ms. */
  maxMs: number;
}

/**
 * Delay before retry number `retry` (1-based): exponential, capped, with "equal jitter" —
 * half fixed, half random — so concurrent losers of a lock spread out but never retry instantly.
 */
export function backoffDelay(retry: number, b: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
