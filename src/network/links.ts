// Layer 2 of the model: phy/bond/vlan links with deterministic ids and MTUs, built from the NIC
// assignment. Ids are derived from MACs and links are sorted (phy in NIC order, then bonds, then
// VLANs, each by id), so the layer-2 part does not depend on the order networks are listed in.
import type { BondSpec } from "./cloud-properties.ts";
import { NetworkModelError } from "./errors.ts";
import type { Carrier, NicAssignment } from "./nics.ts";

export type Link =
  | { type: "phy"; id: string; mac: string; mtu?: number }
  | { type: "bond"; id: string; mac: string; members: string[]; bond: BondSpec; mtu?: number }
  | { type: "vlan"; id: string; mac: string; parent: string; vlanId: number; mtu?: number };

/** Where one network sits on layer 2, as its cloud_properties ask. */
export interface L2Request {
  network: string;
  vlan?: number;
  mtu?: number;
}

export interface LinkLayout {
  links: Link[];
  /** network name -> id of the link that carries its address */
  linkOf: Map<string, string>;
  /** spare NIC mac -> its phy link id */
  spareLink: Map<string, string>;
}

const hex = (mac: string) => mac.replaceAll(":", "");
const phyId = (mac: string) => `nic-${hex(mac)}`;
const carrierId = (c: Carrier) => (c.kind === "phy" ? phyId(c.mac) : `bond-${hex(c.members[0]!)}`);
const carrierMac = (c: Carrier) => (c.kind === "phy" ? c.mac : c.members[0]!);

export function layoutLinks(a: NicAssignment, requests: readonly L2Request[], withSpare: boolean): LinkLayout {
  const linkOf = new Map<string, string>();
  const mtuOf = new Map<string, { mtu: number; network: string }>();
  const vlans = new Map<string, Link & { type: "vlan" }>();
  const usedCarriers = new Set<string>();

  for (const r of requests) {
    const key = a.placement.get(r.network)!;
    const carrier = a.carriers.get(key)!;
    usedCarriers.add(key);
    let id = carrierId(carrier);
    if (r.vlan !== undefined) {
      const parent = id;
      id = `${parent}.${r.vlan}`;
      if (!vlans.has(id)) vlans.set(id, { type: "vlan", id, mac: carrierMac(carrier), parent, vlanId: r.vlan });
    }
    linkOf.set(r.network, id);
    if (r.mtu === undefined) continue;
    const prev = mtuOf.get(id);
    if (prev && prev.mtu !== r.mtu)
      throw new NetworkModelError(
        "NIC_CONFLICT",
        `networks '${prev.network}' and '${r.network}' share link ${id} but ask for MTU ${prev.mtu} and ${r.mtu}`,
        { network: r.network },
      );
    mtuOf.set(id, { mtu: r.mtu, network: r.network });
  }

  // A VLAN cannot be bigger than the link under it. A parent without an MTU of its own takes the
  // largest MTU of its VLANs; one with its own MTU smaller than a VLAN's is a manifest error.
  const effective = new Map<string, number>([...mtuOf].map(([id, m]) => [id, m.mtu]));
  for (const v of vlans.values()) {
    const own = mtuOf.get(v.id);
    if (!own) continue;
    v.mtu = own.mtu;
    const parent = mtuOf.get(v.parent);
    if (parent && parent.mtu < own.mtu)
      throw new NetworkModelError(
        "NIC_CONFLICT",
        `network '${own.network}': VLAN MTU ${own.mtu} is larger than MTU ${parent.mtu} of link ${v.parent} ` +
          `(network '${parent.network}')`,
        { network: own.network },
      );
    if (!parent) effective.set(v.parent, Math.max(effective.get(v.parent) ?? 0, own.mtu));
  }

  const links: Link[] = [];
  const bonds: Link[] = [];
  const memberMtu = new Map<string, number | undefined>();
  for (const key of usedCarriers) {
    const c = a.carriers.get(key)!;
    if (c.kind !== "bond") continue;
    const id = carrierId(c);
    const mtu = effective.get(id);
    for (const m of c.members) memberMtu.set(m, mtu);
    bonds.push({
      type: "bond",
      id,
      mac: c.members[0]!,
      members: c.members.map(phyId),
      bond: c.bond,
      ...(mtu ? { mtu } : {}),
    });
  }
  const spareLink = new Map<string, string>();
  const spare = new Set(a.spare.map((n) => n.mac));
  for (const n of a.nics) {
    const isCarrier = usedCarriers.has(`phy:${n.mac}`);
    if (!isCarrier && !memberMtu.has(n.mac) && !(withSpare && spare.has(n.mac))) continue;
    const id = phyId(n.mac);
    if (spare.has(n.mac)) spareLink.set(n.mac, id);
    const mtu = memberMtu.has(n.mac) ? memberMtu.get(n.mac) : effective.get(id);
    links.push({ type: "phy", id, mac: n.mac, ...(mtu ? { mtu } : {}) });
  }
  const byId = (x: Link, y: Link) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  return { links: [...links, ...bonds.sort(byId), ...[...vlans.values()].sort(byId)], linkOf, spareLink };
}
