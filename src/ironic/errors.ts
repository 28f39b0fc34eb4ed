// Typed errors of the Ironic client (their classes only; faults.ts reads error bodies). The HTTP ones are
// *built* only in transport.ts (toIronicError);
// wait.ts builds the state/timeout ones, versions.ts/microversions.ts the version ones.
// No error carries request headers, bodies that were sent, or URL credentials: messages hold the
// method, a credential-free URL and Ironic's own fault string, nothing else.
import { NamedError } from "../errors.ts";

/** Base of everything this client throws on purpose. */
export class IronicError extends NamedError {}

export interface HttpErrorInit {
  status: number;
  method: string;
  /** Without credentials; transport.ts strips them. */
  url: string;
  ironicMessage: string;
  faultcode?: string;
}

/** A non-2xx answer from Ironic (after retries). */
export class IronicHttpError extends IronicError {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly ironicMessage: string;
  readonly faultcode: string | undefined;
  constructor(init: HttpErrorInit) {
    super(`Ironic ${init.method} ${init.url} failed with HTTP ${init.status}: ${init.ironicMessage}`);
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.ironicMessage = init.ironicMessage;
    this.faultcode = init.faultcode;
  }
}

/** 400: validation errors, invalid state transitions. */
export class IronicBadRequest extends IronicHttpError {}
/**
 * 400 NoValidHost: no live conductor serves the node's driver and conductor group (every conductor of
 * the group is down, or Ironic has not noticed one came back). Nothing was done; it passes.
 */
export class IronicNoConductor extends IronicBadRequest {}

/** 404: unknown node, port, allocation (also the broken `/v1/nodes/<name>/ports`). */
export class IronicNotFound extends IronicHttpError {}
/** 406: microversion not supported, or a field newer than the pinned version. */
export class IronicNotAcceptable extends IronicHttpError {}
/** 409: duplicate name/MAC, deleting an active node, ... */
export class IronicConflict extends IronicHttpError {}
/** 409 NodeLocked: a conductor holds the node's lock; retried by the transport, thrown when retries run out. */
export class IronicNodeLocked extends IronicConflict {}
/** 409 NodeAssociated: the node is claimed by another instance (a lost claim). Never retried. */
export class IronicNodeAssociated extends IronicConflict {}

/** Ironic could not be reached (connection refused/reset, timeout) after the retries. */
export class IronicUnavailable extends IronicError {
  constructor(
    readonly method: string,
    readonly url: string,
    /** ECONNREFUSED, ECONNRESET, ETIMEDOUT, ... */
    readonly code: string,
    detail: string,
    readonly attempts: number,
  ) {
    super(`Ironic ${method} ${url} unreachable after ${attempts} attempt(s): ${code}: ${detail}`);
  }
}

/** The TLS handshake failed (certificate not trusted, wrong host name). Not retried. */
export class IronicTlsError extends IronicError {
  constructor(
    readonly url: string,
    readonly code: string,
    detail: string,
  ) {
    super(
      `TLS verification of ${url} failed (${code}: ${detail}); ` +
        "configure the CA bundle that signed Ironic's certificate (ca_cert), or set insecure: true for testing only",
    );
  }
}

/** Keystone refused the credentials or did not return a token. */
export class IronicAuthError extends IronicError {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`Keystone authentication at ${url} failed${status ? ` (HTTP ${status})` : ""}: ${detail}`);
  }
}

/** The server's API range does not reach what this client needs. */
export class IronicVersionError extends IronicError {}

/** A feature needs a newer microversion than the negotiated one. */
export class IronicUnsupportedFeature extends IronicVersionError {
  constructor(
    readonly feature: string,
    readonly requiredVersion: string,
    readonly negotiatedVersion: string,
  ) {
    super(
      `Ironic feature "${feature}" needs API microversion ${requiredVersion}, ` +
        `but ${negotiatedVersion} was negotiated with this server`,
    );
  }
}

/** waitForNode saw a failure state. */
export class IronicStateError extends IronicError {
  constructor(
    readonly resource: string,
    readonly state: string,
    readonly lastError: string | null,
  ) {
    super(`Ironic ${resource} entered state "${state}"${lastError ? `: ${lastError}` : ""}`);
  }
}

/** waitForNode ran out of time. */
export class IronicTimeoutError extends IronicError {
  constructor(
    readonly resource: string,
    readonly lastState: string | null,
    readonly timeoutMs: number,
  ) {
    super(`Timed out after ${timeoutMs} ms waiting for Ironic ${resource} (last state: ${lastState ?? "unknown"})`);
  }
}

/** A 2xx answer whose body does not have the shape the client reads. */
export class IronicBadResponse extends IronicError {
  constructor(
    readonly method: string,
    readonly url: string,
    detail: string,
  ) {
    super(`Unexpected answer from Ironic ${method} ${url}: ${detail}`);
  }
}
