// Typed errors of the WebDAV store. Messages name the method, the store-relative path and the
// server's status or the connection error code; never a URL with credentials, a header or a body.
import { isTlsFailure } from "../http/request.ts";
import { NamedError } from "../errors.ts";

/** Base of everything the store throws on purpose. */
export class WebdavError extends NamedError {}

/** A path segment that is not a safe identifier; thrown before any request is made. */
export class UnsafeKeyError extends WebdavError {
  constructor(
    readonly segment: string,
    readonly reason: string,
  ) {
    // JSON.stringify shows control characters as escapes instead of printing them
    super(`unsafe WebDAV path segment ${JSON.stringify(segment.slice(0, 80))}: ${reason}`);
  }
}

/** The server answered with a status the operation does not accept. */
export class WebdavHttpError extends WebdavError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    statusText = "",
  ) {
    super(`WebDAV ${method} ${path}: ${status}${statusText ? ` ${statusText}` : ""}`);
  }
}

/** No answer: connection refused or reset, DNS, TLS verification, or the store's own timeout. */
export class WebdavUnavailable extends WebdavError {
  constructor(
    readonly method: string,
    readonly path: string,
    /** ECONNREFUSED, ECONNRESET, ETIMEDOUT, a TLS code, … */
    readonly code: string,
    readonly origin: string,
    options?: ErrorOptions,
  ) {
    super(
      isTlsFailure(code)
        ? `WebDAV ${method} ${path}: TLS verification of ${origin} failed (${code}); ` +
            "configure the CA bundle that signed the store's certificate (ca_cert), or insecure: true for testing only"
        : `WebDAV ${method} ${path}: no answer from ${origin} (${code})`,
      options,
    );
  }
}

/** One line for a caller that wraps store failures into its own error type. */
export function describeStoreError(err: unknown): string {
  if (err instanceof WebdavError) return err.message;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
