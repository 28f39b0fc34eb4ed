// The error types the BOSH director and CLI know (bosh lib/clouds/errors.rb). Anything else
// becomes "Unknown CPI error" on their side, so every failure leaves the CPI as one of these.
// A leaf module: it imports nothing.

export abstract class BoshError extends Error {
  abstract readonly type: `Bosh::Clouds::${string}`;
  readonly okToRetry: boolean = false;
  override get name() {
    return this.type;
  }
}

export class CloudError extends BoshError {
  readonly type = "Bosh::Clouds::CloudError";
}

/** Malformed requests, bad configuration, protocol problems. */
export class CpiError extends BoshError {
  readonly type = "Bosh::Clouds::CpiError";
}

export class NotImplemented extends BoshError {
  readonly type = "Bosh::Clouds::NotImplemented";
}

export class NotSupported extends BoshError {
  readonly type = "Bosh::Clouds::NotSupported";
}

export class VmNotFound extends BoshError {
  readonly type = "Bosh::Clouds::VMNotFound";
}

/** RetriableCloudError family: the director may act on ok_to_retry. */
abstract class RetriableError extends BoshError {
  override readonly okToRetry: boolean;
  constructor(message: string, okToRetry = false, options?: ErrorOptions) {
    super(message, options);
    this.okToRetry = okToRetry;
  }
}

export class DiskNotFound extends RetriableError {
  readonly type = "Bosh::Clouds::DiskNotFound";
}

export class NoDiskSpace extends RetriableError {
  readonly type = "Bosh::Clouds::NoDiskSpace";
}

/** ok_to_retry makes the director call create_vm again (max_vm_create_tries): only when nothing leaked. */
export class VmCreationFailed extends RetriableError {
  readonly type = "Bosh::Clouds::VMCreationFailed";
}

export interface WireError {
  type: string;
  message: string;
  ok_to_retry: boolean;
}

/** The one place where anything thrown becomes the wire `error` object. */
export function toWireError(err: unknown): WireError {
  if (err instanceof BoshError) return { type: err.type, message: err.message, ok_to_retry: err.okToRetry };
  const message = err instanceof Error ? err.message : String(err);
  return { type: "Bosh::Clouds::CloudError", message: message || "unknown error", ok_to_retry: false };
}
