// Ironic API microversions: the feature table, version arithmetic and the pinned-version check.
// Like openstacksdk's baremetal/v1/_common.py: one table, every feature named once.
// Source: https://docs.openstack.org/ironic/latest/contributor/webapi-version-history.html
import { IronicUnsupportedFeature } from "./errors.ts";

/**
 * Highest microversion this client was written and tested against: node health arrived in 1.109 (Ironic
 * 2026.1); Ironic 39 (2026.2) serves more, Debian 12's 21.4 (2023.1) 1.82. Every feature above the floor
 * is asked for only where the negotiated version has it.
 */
export const MAX_SUPPORTED = "1.109";
/** Below this the client refuses to talk: conductor_group (1.46) is the oldest thing the CPI relies on. */
export const MIN_SUPPORTED = "1.46";

/** Feature → first microversion that has it. */
export const FEATURES = {
  enroll_state: "1.11", //                new nodes start in `enroll`
  manual_cleaning: "1.15", //             target "clean" with clean_steps
  power_timeout: "1.27", //               `timeout` on PUT states/power
  soft_power: "1.27", //                  "soft power off" / "soft rebooting"
  traits: "1.37", //                      /v1/nodes/{node}/traits, node.traits
  fault: "1.42", //                       node.fault and ?fault= filter
  conductor_group: "1.46", //             node.conductor_group and ?conductor_group= filter
  automated_clean: "1.47", //             node.automated_clean
  protected: "1.48", //                   node.protected, protected_reason (undeploy refused while set)
  owner: "1.50", //                       node.owner and ?owner= filter
  description: "1.51", //                 node.description
  allocations: "1.52", //                 /v1/allocations, node.allocation_uuid
  allocation_fields: "1.52", //           fields= on allocations
  configdrive_json: "1.56", //            configdrive as a JSON object
  retired: "1.61", //                     node.retired
  lessee: "1.65", //                      node.lessee
  network_data: "1.66", //                node.network_data
  deploy_steps: "1.69", //                deploy_steps on PUT states/provision
  disable_ramdisk: "1.70", //             disable_ramdisk on PUT states/provision
  node_history: "1.78", //                /v1/nodes/{node}/history
  inventory: "1.81", //                   /v1/nodes/{node}/inventory
  shard: "1.82", //                       node.shard and ?shard= filter
  disable_power_off: "1.95", //           node.disable_power_off (Ironic never powers the server off)
  health: "1.109", //                     node.health from the BMC (OK, Warning, Critical)
} as const satisfies Record<string, string>;

export type Feature = keyof typeof FEATURES;

/**
 * Server max microversion of Ussuri (Ironic 15.0), the first release whose conductors deploy an image
 * checked by image_os_hash_algo/value alone; older ones insist on an md5 image_checksum as well. A
 * release, not a feature of the pinned version: a configured cap must not make a new Ironic look old.
 */
export const OS_HASH_ALONE_SINCE = "1.65";

export function serverNeedsMd5(server: { max: string }): boolean {
  return compareVersions(server.max, OS_HASH_ALONE_SINCE) < 0;
}

/** Parses "1.82" → [1, 82]; throws on anything else. */
export function parseVersion(v: string): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  if (!m) throw new TypeError(`Not an Ironic microversion: "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

/** <0, 0, >0 like a sort comparator; numeric per part, so 1.9 < 1.10. */
export function compareVersions(a: string, b: string): number {
  const [aMaj, aMin] = parseVersion(a);
  const [bMaj, bMin] = parseVersion(b);
  return aMaj - bMaj || aMin - bMin;
}

export function minVersion(...versions: string[]): string {
  return versions.reduce((lo, v) => (compareVersions(v, lo) < 0 ? v : lo));
}

/** The negotiated (pinned) version and what it allows. */
export class Microversion {
  constructor(
    /** Sent on every request in X-OpenStack-Ironic-API-Version. */
    readonly version: string,
    /** What the server advertised at negotiation. */
    readonly server: { min: string; max: string },
  ) {}

  supports(feature: Feature): boolean {
    return compareVersions(this.version, FEATURES[feature]) >= 0;
  }

  /** Throws IronicUnsupportedFeature naming the feature, the required and the negotiated version. */
  require(feature: Feature): void {
    if (!this.supports(feature)) throw new IronicUnsupportedFeature(feature, FEATURES[feature], this.version);
  }
}
