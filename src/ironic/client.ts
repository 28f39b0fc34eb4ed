// The Ironic client facade: createIronicClient() builds the transport, negotiates the microversion once
// (one GET /) and groups the resource functions. Knows nothing of the CPI or its director.
import * as history from "./history.ts";
import * as inventory from "./inventory.ts";
import type { Feature } from "./microversions.ts";
import * as states from "./node-states.ts";
import * as nodes from "./nodes.ts";
import * as ports from "./ports.ts";
import * as raid from "./raid.ts";
import { Transport, type TransportOptions } from "./transport.ts";
import { negotiate } from "./versions.ts";
import * as wait from "./wait.ts";

export interface IronicClientOptions extends TransportOptions {
  /** Highest microversion to use even if server and client support more, e.g. "1.70". */
  maxVersion?: string;
}

/** Binds the transport as first argument: (t, ...rest) => r  becomes  (...rest) => r. */
type Bound<F> = F extends (t: Transport, ...rest: infer A) => infer R ? (...rest: A) => R : never;
const bind = <F extends (t: Transport, ...rest: never[]) => unknown>(t: Transport, f: F) =>
  ((...rest: never[]) => f(t, ...rest)) as Bound<F>;

function build(t: Transport) {
  return {
    nodes: {
      list: bind(t, nodes.listNodes),
      get: bind(t, nodes.getNode),
      find: bind(t, nodes.findNode),
      create: bind(t, nodes.createNode),
      patch: bind(t, nodes.patchNode),
      delete: bind(t, nodes.deleteNode),
      inventoryDisks: bind(t, inventory.getInventoryDisks),
      history: bind(t, history.listNodeHistory),
    },
    states: {
      provision: bind(t, states.setProvisionState),
      power: bind(t, states.setPowerState),
      setMaintenance: bind(t, states.setMaintenance),
      setRaid: bind(t, raid.setTargetRaidConfig),
    },
    ports: {
      byAddress: bind(t, ports.listPortsByAddress),
      byNode: bind(t, ports.listPortsByNode),
      create: bind(t, ports.createPort),
    },
    waitForNode: bind(t, wait.waitForNode),
  };
}

export type IronicClient = ReturnType<typeof build> & {
  /** The pinned microversion, sent on every request. */
  readonly version: string;
  /** The server's advertised range. */
  readonly serverVersions: { readonly min: string; readonly max: string };
  /** HTTP requests sent to Ironic so far (negotiation and retries included, Keystone excluded). */
  readonly requestCount: number;
  supports(feature: Feature): boolean;
  /** Throws IronicUnsupportedFeature naming the feature, the needed and the negotiated version. */
  require(feature: Feature): void;
};

/**
 * Builds a client and negotiates the microversion (one `GET /`). Throws IronicVersionError for servers
 * below MIN_SUPPORTED, IronicUnavailable/IronicTlsError/IronicAuthError when Ironic cannot be reached.
 */
export async function createIronicClient(opts: IronicClientOptions): Promise<IronicClient> {
  const t = new Transport(opts);
  const mv = await negotiate(t, opts.maxVersion);
  return {
    ...build(t),
    version: mv.version,
    serverVersions: mv.server,
    get requestCount() {
      return t.requestCount;
    },
    supports: (f: Feature) => mv.supports(f),
    require: (f: Feature) => mv.require(f),
  };
}
