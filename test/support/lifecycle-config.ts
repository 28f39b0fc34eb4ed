// The CPI configuration a lifecycle run hands the bundled executable: the real (or proxied) Ironic and
// WebDAV, short waits and retry delays so a test run stays quick, and credentials from secrets.ts so
// the log scan knows them. Each run gets its own folder of the WebDAV store.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { deepMerge } from "../../src/config/load.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { SECRETS } from "./secrets.ts";

export interface LifecycleServers {
  /** Ironic endpoint (or a fault proxy in front of it), no trailing slash. */
  ironicUrl: string;
  webdav: {
    url: string;
    username: string;
    password: string;
    privateUrl?: string;
    privateUsername?: string;
    privatePassword?: string;
  };
  /** Folder below the WebDAV root for this run's stemcells (created by prepareStore), and of its registry store. */
  storeFolder: string;
}

type Json = Record<string, unknown>;

export function lifecycleConfig(s: LifecycleServers, overrides: Json = {}): ConfigInput {
  const base = {
    ironic: {
      url: s.ironicUrl,
      retries: { attempts: 10, base_delay_ms: 50, max_delay_ms: 400 },
      poll: { initial_interval_ms: 50, max_interval_ms: 400 },
      request_timeout: 30,
      deploy_timeout: 120,
      delete_timeout: 120,
      power_timeout: 60,
    },
    stemcell_store: {
      url: `${s.webdav.url.replace(/\/?$/, "/")}${s.storeFolder}/`,
      username: s.webdav.username,
      password: s.webdav.password,
      request_timeout: 60,
      retries: 8,
    },
    registry: {
      endpoint: `http://registry:${SECRETS.registryPassword}@10.0.0.7:25777`,
      // records of registry-mode VMs: the private location, never the anonymously readable image tree
      ...(s.webdav.privateUrl
        ? {
            store: {
              url: `${s.webdav.privateUrl}${s.storeFolder}/`,
              username: s.webdav.privateUsername,
              password: s.webdav.privatePassword,
              request_timeout: 60,
              retries: 8,
            },
          }
        : {}),
    },
    agent: { mbus: `nats://nats:${SECRETS.mbusPassword}@10.0.0.6:4222`, ntp: ["10.0.0.2"] },
    network: { default_dns: ["10.0.0.2"] },
  };
  return deepMerge(base, overrides) as ConfigInput;
}

export function writeConfig(dir: string, config: ConfigInput, name = "cpi.json"): string {
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** MKCOL of the run's store folder on the real WebDAV server (201 new, 405 exists). */
export async function prepareStore(s: LifecycleServers): Promise<void> {
  const auth = `Basic ${Buffer.from(`${s.webdav.username}:${s.webdav.password}`).toString("base64")}`;
  const res = await fetch(`${s.webdav.url.replace(/\/?$/, "/")}${s.storeFolder}/`, {
    method: "MKCOL",
    headers: { Authorization: auth },
  });
  await res.arrayBuffer();
  if (res.status !== 201 && res.status !== 405) throw new Error(`MKCOL ${s.storeFolder}/ → ${res.status}`);
}
