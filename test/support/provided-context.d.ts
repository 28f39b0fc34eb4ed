// Values the integration global setup (test/support/global-setup.ts) hands to the tests via provide/inject.
import "vitest";
import type { IronicAccess } from "../harness/ironic.ts";

export interface ProvidedIronic {
  /** http://127.0.0.1:PORT, no trailing slash */
  url: string;
  /** state dir of the shared Ironic (log/ironic.log, ironic.conf) */
  stateDir: string;
  shape: "all-in-one" | "distributed";
  /** today's Ironic from PyPI or Debian 12's 21.4 ($IRONIC_RELEASE) */
  release: "pypi" | "debian";
  /** which Ironic and its version, e.g. "39.0.0 (PyPI)", "1:21.4.4-0+deb12u3 (Debian)" */
  version: string;
  /** the conductor groups of the distributed shape (az1, az2); none for all-in-one */
  conductorGroups: string[];
  /** the distributed shape's conductors: group and the name Ironic lists it under (node.conductor) */
  conductors: { group: string; name: string }[];
  database: { engine: "sqlite"; file: string } | { engine: "mariadb"; socket: string };
  /** the `ironic` section a CPI configuration needs: url, auth, ca_cert ($IRONIC_AUTH, $IRONIC_TLS) */
  access: IronicAccess;
  /** plain HTTP with the harness's admin credentials, for fixtures: url itself when noauth and plain HTTP */
  adminUrl: string;
}

export interface ProvidedWebdav {
  /** http://127.0.0.1:PORT/ (ends with "/") */
  url: string;
  username: string;
  password: string;
  /** DAV root on disk: url + "a/b" is dataDir + "/a/b" */
  dataDir: string;
  /** url + "private/": the registry store's location, own credentials for every method, reads included */
  privateUrl: string;
  privateUsername: string;
  privatePassword: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    ironic: ProvidedIronic;
    webdav: ProvidedWebdav;
  }
}
