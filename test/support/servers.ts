// The servers of the integration global setup, for use inside integration tests.
import { inject } from "vitest";
import type { ProvidedIronic, ProvidedWebdav } from "./provided-context.d.ts";

/** Base URL of the shared Ironic: http://127.0.0.1:PORT (no trailing slash). */
export function ironicUrl(): string {
  return inject("ironic").url;
}

/** The shared Ironic: url and state dir (log/ironic.log). */
export function ironic(): ProvidedIronic {
  return inject("ironic");
}

/** The shared WebDAV server: url (ends with "/"), basic-auth credentials, DAV root on disk. */
export function webdav(): ProvidedWebdav {
  return inject("webdav");
}

/** `Authorization` header value for the shared WebDAV server. */
export function webdavAuthHeader(): string {
  const w = webdav();
  return `Basic ${Buffer.from(`${w.username}:${w.password}`).toString("base64")}`;
}
