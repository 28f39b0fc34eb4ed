// The Ironic client of one CPI call, from configuration: transport options named once here (the VM and
// disk services and `reconcile` share them). Negotiates the microversion on creation (one GET /).
import type { Config } from "../config/schema.ts";
import { type IronicClient, createIronicClient } from "../ironic/client.ts";
import type { Logger } from "../log/index.ts";

export function connectIronic(config: Config, log: Logger): Promise<IronicClient> {
  const c = config.ironic;
  if (c.insecure) log.warn({ url: c.url }, "TLS verification of Ironic is turned off (ironic.insecure)");
  return createIronicClient({
    url: c.url,
    auth: c.auth,
    ...(c.ca_cert ? { caCert: c.ca_cert } : {}),
    insecure: c.insecure,
    timeoutMs: c.request_timeout * 1000,
    retry: { attempts: c.retries.attempts + 1, baseMs: c.retries.base_delay_ms, maxMs: c.retries.max_delay_ms },
    logger: log,
    ...(c.max_api_version ? { maxVersion: c.max_api_version } : {}),
  });
}
