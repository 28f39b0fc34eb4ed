// A WebDAV store configuration block (config/schema.ts: `stemcell_store`, `registry.store`) → store
// options. Shared by the CPI's composition root and the registry server, which reads the registry
// store block from its own file.
import type { Config } from "../config/schema.ts";
import type { StoreLogger, StoreOptions } from "./store.ts";

export type StoreConfig = Config["stemcell_store"] | NonNullable<Config["registry"]["store"]>;

export function storeOptions(c: StoreConfig, log?: StoreLogger): StoreOptions {
  if (c.insecure) log?.warn({ url: c.url }, "TLS verification of a WebDAV store is turned off (insecure: true)");
  return {
    url: c.url,
    readUrl: "read_url" in c ? c.read_url : undefined,
    username: c.username,
    password: c.password,
    caCert: c.ca_cert,
    insecure: c.insecure,
    timeoutMs: c.request_timeout * 1000,
    retries: c.retries,
    log,
  };
}
