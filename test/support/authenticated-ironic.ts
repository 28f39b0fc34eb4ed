// An Ironic as real standalone fleets run it, for the tests of issue 30: Ironic serving HTTPS itself from a
// private CA with an intermediate, behind its own HTTP basic auth (htpasswd, bcrypt) or behind a real
// Keystone, whose public endpoint is HTTPS from the same CA (keystone-front.ts). The CPI's credentials are
// the suite's (secrets.ts: user "bosh"); every other password the servers use is registered for the scan.
import type { IronicOptions, IronicServer } from "../harness/ironic.ts";
import { startIronic } from "../harness/ironic.ts";
import { type KeystoneServer, startKeystone } from "../harness/keystone.ts";
import { type TlsChain, makeTlsChain } from "../harness/tls-chain.ts";
import { type KeystoneFront, startKeystoneFront } from "./keystone-front.ts";
import { SECRETS, registerSecret } from "./secrets.ts";

export type AuthKind = "http_basic" | "keystone";

export interface AuthenticatedIronic {
  kind: AuthKind;
  chain: TlsChain;
  ironic: IronicServer;
  keystone: KeystoneServer | undefined;
  /** Keystone's HTTPS endpoint the CPI uses (keystone only) */
  front: KeystoneFront | undefined;
  /** the `ironic` section of a CPI configuration for this server: https url, auth, the CA bundle */
  ironicSection(): Record<string, unknown>;
  stop(): Promise<void>;
}

export const CPI_USER = "bosh";

export async function startAuthenticatedIronic(o: {
  kind: AuthKind;
  /** where the PKI is made */
  work: string;
  /** more options of the Ironic (delays, release, shape) */
  ironic?: Omit<IronicOptions, "auth" | "tls">;
  /** Keystone's [token] expiration in s */
  tokenExpiration?: number;
  /** keystonemiddleware's token_cache_time in s (harness default -1: every token checked with Keystone) */
  tokenCacheTime?: number;
}): Promise<AuthenticatedIronic> {
  const chain = makeTlsChain(o.work);
  let keystone: KeystoneServer | undefined;
  let front: KeystoneFront | undefined;
  let ironic: IronicServer | undefined;
  const stop = async () => {
    await ironic?.stop();
    await front?.close();
    await keystone?.stop();
  };
  try {
    if (o.kind === "keystone") {
      keystone = await startKeystone({ ...(o.tokenExpiration ? { tokenExpiration: o.tokenExpiration } : {}) });
      registerSecret("keystone-admin-password", keystone.adminPassword);
      front = await startKeystoneFront(keystone.url, chain);
    }
    ironic = await startIronic({
      ...o.ironic,
      tls: chain,
      auth:
        o.kind === "keystone"
          ? {
              type: "keystone",
              keystone: keystone!,
              username: CPI_USER,
              password: SECRETS.keystonePassword,
              ...(o.tokenCacheTime === undefined ? {} : { tokenCacheTime: o.tokenCacheTime }),
            }
          : { type: "http_basic", username: CPI_USER, password: SECRETS.ironicBasicPassword },
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const server = ironic;
  return {
    kind: o.kind,
    chain,
    ironic: server,
    keystone,
    front,
    ironicSection: () => {
      const { auth, url, ca_cert } = server.access;
      return {
        url,
        auth: auth.type === "keystone" && front ? { ...auth, auth_url: front.authUrl } : auth,
        ca_cert,
      };
    },
    stop,
  };
}
