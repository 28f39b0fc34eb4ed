// How the store reaches its server: one `webdav` client with keep-alive agents, the CA bundle and
// basic auth. Credentials written into the URL (user:pass@host) are moved into the auth header:
// node-fetch refuses URLs with credentials, and a URL is what ends up in messages.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { WebDAVClient } from "webdav";

export interface ConnectionOptions {
  /** Base URL of the tree, e.g. https://store.example/images/ (may carry user:pass@). */
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  /** PEM bundle that signed the server's certificate; replaces the system roots. */
  caCert?: string | undefined;
  /** Turns TLS verification off. */
  insecure?: boolean | undefined;
}

export interface Connection {
  /** The client, loaded on first use: `webdav` and its fetch polyfills are most of what a call would
   * load, and calls that only talk to Ironic never need them. */
  client(): Promise<WebDAVClient>;
  /** Base URL without credentials, ending in "/". */
  base: string;
  /** scheme://host:port, for messages. */
  origin: string;
  /** TLS settings, for other HTTP clients that must trust the same server (probe.ts). */
  tls: { caCert?: string | undefined; insecure: boolean };
  close(): void;
}

/** Splits user:pass@ off a URL; the base always ends in "/" so relative keys resolve below it. */
export function splitCredentials(url: string): { base: string; username?: string; password?: string } {
  const u = new URL(url);
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  if (!u.pathname.endsWith("/")) u.pathname += "/";
  return { base: u.toString(), ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

export function openConnection(opts: ConnectionOptions): Connection {
  const { base, ...fromUrl } = splitCredentials(opts.url);
  const username = opts.username ?? fromUrl.username;
  const password = opts.password ?? fromUrl.password;
  const insecure = opts.insecure === true;
  // A few sockets are plenty: the CPI makes one call at a time, the registry serves a handful of agents.
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 8 });
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    maxSockets: 8,
    rejectUnauthorized: !insecure,
    ...(opts.caCert ? { ca: opts.caCert } : {}),
  });
  let client: Promise<WebDAVClient> | undefined;
  return {
    client: () =>
      (client ??= import("webdav").then(({ createClient }) =>
        createClient(base, {
          ...(username !== undefined ? { username, password: password ?? "" } : {}),
          httpAgent,
          httpsAgent,
          maxBodyLength: Infinity,
          maxContentLength: Infinity,
        }),
      )),
    base,
    origin: new URL(base).origin,
    tls: { caCert: opts.caCert, insecure },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
