// Which of the server's NICs carries which BOSH network. Pins first (bond, exact MAC, candidate
// list), then the unpinned networks take the remaining NICs in a stable order: PXE ports first
// (the NIC the node booted the deploy ramdisk from is cabled to the provisioning network), then by
// MAC. Networks with the same nic_group (dual-stack on one NIC) share one unpinned NIC.
import type { BondSpec } from "./cloud-properties.ts";
import { normalizeMac } from "./address.ts";
import { NetworkModelError } from "./errors.ts";

/** The Ironic port fields this core reads. */
export interface Port {
  address: string;
  pxe_enabled?: boolean;
  uuid?: string;
}

export interface Nic {
  mac: string;
  pxe: boolean;
}

export type Pin =
  | { kind: "mac"; mac: string }
  | { kind: "macs"; candidates: string[] }
  | { kind: "bond"; bond: BondSpec }
  | { kind: "auto" };

export interface NicRequest {
  network: string;
  pin: Pin;
  group?: string;
}

/** What carries a network's untagged traffic: one NIC, or a bond over several. */
export type Carrier =
  | { kind: "phy"; mac: string }
  | { kind: "bond"; members: string[]; bond: BondSpec; declaredBy: string };

export interface NicAssignment {
  nics: Nic[];
  carriers: Map<string, Carrier>; // key: "phy:<mac>" | "bond:<sorted member macs>"
  placement: Map<string, string>; // network name -> carrier key
  spare: Nic[]; // NICs no network uses, in stable order
}

/** Normalizes and orders the node's ports: pxe_enabled first, then by MAC (undefined = not PXE). */
export function orderNics(ports: readonly Port[]): Nic[] {
  const seen = new Set<string>();
  const nics: Nic[] = [];
  for (const p of ports) {
    const mac = normalizeMac(p.address);
    if (!mac)
      throw new NetworkModelError(
        "INVALID_PORT",
        `Ironic port ${p.uuid ?? "?"} has address '${p.address}', which is not a MAC`,
      );
    if (seen.has(mac)) continue; // Ironic forbids duplicates; tolerate a caller that concatenated lists
    seen.add(mac);
    nics.push({ mac, pxe: p.pxe_enabled === true });
  }
  return nics.sort((a, b) => Number(b.pxe) - Number(a.pxe) || (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
}

const sameBond = (a: BondSpec, b: BondSpec) =>
  a.mode === b.mode &&
  a.miimon === b.miimon &&
  a.xmit_hash_policy === b.xmit_hash_policy &&
  a.lacp_rate === b.lacp_rate;

function notOwned(network: string, mac: string): NetworkModelError {
  return new NetworkModelError("MAC_NOT_OWNED", `network '${network}': MAC ${mac} is not a port of this server`, {
    network,
    mac,
  });
}

/**
 * Resolves every request to a carrier. `first` (the provisioning network, when it is unpinned)
 * takes the first free NIC; other unpinned networks follow in request order.
 */
export function assignNics(nics: Nic[], requests: readonly NicRequest[], first?: string): NicAssignment {
  const owned = new Set(nics.map((n) => n.mac));
  const carriers = new Map<string, Carrier>();
  const placement = new Map<string, string>();
  const bondOf = new Map<string, string>(); // member mac -> bond key
  const used = new Set<string>();

  for (const { network, pin } of requests) {
    if (pin.kind !== "bond") continue;
    for (const m of pin.bond.macs) if (!owned.has(m)) throw notOwned(network, m);
    const key = `bond:${[...pin.bond.macs].sort().join(",")}`;
    const prev = carriers.get(key);
    if (prev?.kind === "bond" && !sameBond(prev.bond, pin.bond))
      throw new NetworkModelError(
        "NIC_CONFLICT",
        `networks '${prev.declaredBy}' and '${network}' declare the bond over ${pin.bond.macs.join(", ")} with ` +
          `different settings`,
        { network },
      );
    for (const m of pin.bond.macs) {
      const other = bondOf.get(m);
      if (other && other !== key)
        throw new NetworkModelError(
          "NIC_CONFLICT",
          `network '${network}': MAC ${m} is already a member of another bond`,
          { network, mac: m },
        );
      bondOf.set(m, key);
      used.add(m);
    }
    if (!prev) carriers.set(key, { kind: "bond", members: pin.bond.macs, bond: pin.bond, declaredBy: network });
    placement.set(network, key);
  }

  const memberConflict = (network: string, mac: string) =>
    new NetworkModelError(
      "NIC_CONFLICT",
      `network '${network}': MAC ${mac} is a bond member and cannot carry a network of its own`,
      { network, mac },
    );
  for (const { network, pin } of requests) {
    if (pin.kind !== "mac") continue;
    if (!owned.has(pin.mac)) throw notOwned(network, pin.mac);
    if (bondOf.has(pin.mac)) throw memberConflict(network, pin.mac);
    used.add(pin.mac);
    carriers.set(`phy:${pin.mac}`, { kind: "phy", mac: pin.mac });
    placement.set(network, `phy:${pin.mac}`);
  }

  for (const { network, pin } of requests) {
    if (pin.kind !== "macs") continue;
    const mine = nics.filter((n) => pin.candidates.includes(n.mac));
    if (mine.length === 0)
      throw new NetworkModelError(
        "MAC_NOT_OWNED",
        `network '${network}': none of cloud_properties.macs (${pin.candidates.join(", ")}) is a port of this server`,
        { network },
      );
    const nic = mine.find((n) => !used.has(n.mac));
    if (!nic)
      throw new NetworkModelError(
        "NIC_CONFLICT",
        `network '${network}': every listed NIC of this server (${mine.map((n) => n.mac).join(", ")}) is ` +
          `already taken by another network`,
        { network },
      );
    used.add(nic.mac);
    carriers.set(`phy:${nic.mac}`, { kind: "phy", mac: nic.mac });
    placement.set(network, `phy:${nic.mac}`);
  }

  // nic_group: unpinned members join a pinned member's carrier.
  const groupCarrier = new Map<string, string>();
  for (const r of requests) {
    const key = placement.get(r.network);
    if (r.group !== undefined && key !== undefined && !groupCarrier.has(r.group)) groupCarrier.set(r.group, key);
  }

  const ordered = [...requests].sort((a, b) => Number(b.network === first) - Number(a.network === first));
  const slots: string[][] = []; // each slot = networks that share one free NIC
  const slotOfGroup = new Map<string, string[]>();
  for (const r of ordered) {
    if (r.pin.kind !== "auto") continue;
    const shared = r.group === undefined ? undefined : groupCarrier.get(r.group);
    if (shared) {
      placement.set(r.network, shared);
      continue;
    }
    const existing = r.group === undefined ? undefined : slotOfGroup.get(r.group);
    if (existing) existing.push(r.network);
    else {
      const slot = [r.network];
      slots.push(slot);
      if (r.group !== undefined) slotOfGroup.set(r.group, slot);
    }
  }
  const free = nics.filter((n) => !used.has(n.mac));
  if (slots.length > free.length) {
    const names = slots.map((s) => s.join("+")).join(", ");
    throw new NetworkModelError(
      "TOO_FEW_NICS",
      `${slots.length} unpinned network(s) need a NIC each (${names}) but this server has ${free.length} free ` +
        `NIC(s)${free.length ? ` (${free.map((n) => n.mac).join(", ")})` : ""}; ` +
        "pin networks with cloud_properties.mac/bond or use nic_group to share one",
    );
  }
  slots.forEach((slot, i) => {
    const mac = free[i]!.mac;
    carriers.set(`phy:${mac}`, { kind: "phy", mac });
    for (const n of slot) placement.set(n, `phy:${mac}`);
    used.add(mac);
  });

  return { nics, carriers, placement, spare: nics.filter((n) => !used.has(n.mac)) };
}
