// The Ironic client of one CPI call, from configuration: transport options named once here (the VM and
// disk services and `reconcile` share them). Negotiates the microversion on creation (one GET /).
import type { Config } from "../config/schema.ts";
import { type IronicClient, createIronicClient } from "../ironic/client.ts";
import type { Logger } from "../log/index.ts";

export interface ConnectOptions {
  /** One attempt with a short timeout: for a question whose answer has a safe default. */
  quick?: boolean;
}

const QUICK_TIMEOUT_MS = 5_000;

export function connectIronic(config: Config, log: Logger, opts: ConnectOptions = {}): Promise<IronicClient> {
  const c = config.ironic;
  if (c.insecure && !opts.quick) log.warn({ url: c.url }, "TLS verification of Ironic is turned off (ironic.insecure)");
  const timeoutMs = c.request_timeout * 1000;
  return createIronicClient({
    url: c.url,
    auth: c.auth,
    ...(c.ca_cert ? { caCert: c.ca_cert } : {}),
    insecure: c.insecure,
    timeoutMs: opts.quick ? Math.min(timeoutMs, QUICK_TIMEOUT_MS) : timeoutMs,
    retry: {
      attempts: opts.quick ? 1 : c.retries.attempts + 1,
      baseMs: c.retries.base_delay_ms,
      maxMs: c.retries.max_delay_ms,
    },
    logger: log,
    ...(c.max_api_version ? { maxVersion: c.max_api_version } : {}),
  });
}
