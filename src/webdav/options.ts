// The `stemcell_store` configuration block (config/schema.ts) → store options. Shared by the CPI's
// composition root and the registry server, which reads the same block from its own file.
import type { Config } from "../config/schema.ts";
import type { StoreLogger, StoreOptions } from "./store.ts";

export type StoreConfig = Config["stemcell_store"];

export function storeOptions(c: StoreConfig, log?: StoreLogger): StoreOptions {
  if (c.insecure) log?.warn({ url: c.url }, "TLS verification of the WebDAV store is turned off (stemcell_store.insecure)");
  return {
    url: c.url,
    readUrl: c.read_url,
    username: c.username,
    password: c.password,
    caCert: c.ca_cert,
    insecure: c.insecure,
    timeoutMs: c.request_timeout * 1000,
    retries: c.retries,
    log,
  };
}
