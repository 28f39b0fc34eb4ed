// The servers of the integration global setup, for use inside integration tests.
import { inject } from "vitest";
import type { IronicAccess } from "../harness/ironic.ts";
import type { ProvidedIronic, ProvidedWebdav } from "./provided-context.d.ts";
import { registerSecret } from "./secrets.ts";

/** Base URL of the shared Ironic: http://127.0.0.1:PORT (no trailing slash). */
export function ironicUrl(): string {
  return inject("ironic").url;
}

/**
 * The shared Ironic as a CPI configuration's `ironic` section: url, auth, ca_cert. With IRONIC_AUTH the
 * password is registered with the secret scan.
 */
export function ironicAccess(): IronicAccess {
  const access = inject("ironic").access;
  if (access.auth.type !== "noauth") registerSecret(`ironic ${access.auth.type} password`, access.auth.password);
  return access;
}

/** The shared Ironic for fixtures: plain HTTP, the harness's admin credentials added (harness admin-proxy.ts). */
export function ironicAdminUrl(): string {
  return inject("ironic").adminUrl;
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
