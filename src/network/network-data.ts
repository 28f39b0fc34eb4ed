// The model as OpenStack network_data.json (the Nova format cloud-init, glean and Ironic read):
// for the config drive, and trimmed to one network as Ironic node.network_data (API >= 1.66), which
// the deploy ramdisk uses instead of DHCP ("DHCP-less" provisioning).
import { type Ip, formatIp, formatIpExpanded, maskOfPrefix } from "./address.ts";
import { NetworkModelError } from "./errors.ts";
import type { Link } from "./links.ts";
import type { L3Network, NetworkModel } from "./model.ts";

export type NetworkDataLink =
  | { id: string; type: "phy"; ethernet_mac_address: string; mtu?: number }
  | {
      id: string;
      type: "bond";
      bond_links: string[];
      bond_mode: string;
      bond_miimon?: number;
      bond_xmit_hash_policy?: string;
      bond_lacp_rate?: string;
      ethernet_mac_address: string;
      mtu?: number;
    }
  | { id: string; type: "vlan"; vlan_link: string; vlan_id: number; vlan_mac_address: string; mtu?: number };

export interface NetworkDataRoute {
  network: string;
  netmask: string;
  gateway: string;
}

export interface NetworkDataNetwork {
  id: string;
  type: "ipv4" | "ipv6" | "ipv4_dhcp" | "ipv6_dhcp";
  link: string;
  network_id: string;
  ip_address?: string;
  netmask?: string;
  routes?: NetworkDataRoute[];
}

export interface NetworkData {
  links: NetworkDataLink[];
  networks: NetworkDataNetwork[];
  services: { type: "dns"; address: string }[];
}

/**
 * Every link carries an MTU: Ironic from 2025.2 opens a supplied config drive and regenerates
 * network_data when a link lacks one. 1500 (Ethernet's) unless the network's cloud_properties set one.
 */
const DEFAULT_MTU = 1500;
const mtu = (l: Link) => ({ mtu: l.mtu ?? DEFAULT_MTU });
/** Netmasks in dotted (IPv4) or fully expanded hex (IPv6) form, as the director sends them. */
const mask = (family: 4 | 6, prefix: number) => formatIpExpanded(maskOfPrefix(family, prefix));
const route = (network: Ip, prefix: number, gateway: Ip): NetworkDataRoute => ({
  network: formatIp(network),
  netmask: mask(network.family, prefix),
  gateway: formatIp(gateway),
});

function renderLink(l: Link): NetworkDataLink {
  switch (l.type) {
    case "phy":
      return { id: l.id, type: "phy", ethernet_mac_address: l.mac, ...mtu(l) };
    case "bond": {
      const b = l.bond;
      return {
        id: l.id,
        type: "bond",
        bond_links: l.members,
        bond_mode: b.mode,
        ...(b.miimon !== undefined ? { bond_miimon: b.miimon } : {}),
        ...(b.xmit_hash_policy ? { bond_xmit_hash_policy: b.xmit_hash_policy } : {}),
        ...(b.lacp_rate ? { bond_lacp_rate: b.lacp_rate } : {}),
        ethernet_mac_address: l.mac,
        ...mtu(l),
      };
    }
    case "vlan":
      return { id: l.id, type: "vlan", vlan_link: l.parent, vlan_id: l.vlanId, vlan_mac_address: l.mac, ...mtu(l) };
  }
}

function renderNetwork(n: L3Network): NetworkDataNetwork {
  const head = (type: NetworkDataNetwork["type"]) => ({ id: n.name, type, link: n.link, network_id: n.name });
  if (n.mode === "dhcp" || !n.address) return head(n.family === 6 ? "ipv6_dhcp" : "ipv4_dhcp");
  const a = n.address;
  const zero = { family: a.ip.family, value: 0n };
  const routes = [
    ...(n.defaultGateway ? [route(zero, 0, n.defaultGateway)] : []),
    ...n.routes.map((r) => route(r.network, r.prefix, r.gateway)),
  ];
  return {
    ...head(a.ip.family === 6 ? "ipv6" : "ipv4"),
    ip_address: formatIp(a.ip),
    netmask: mask(a.ip.family, a.prefix),
    routes,
  };
}

const services = (dns: string[]) => dns.map((address) => ({ type: "dns" as const, address }));

export function networkData(model: NetworkModel): NetworkData {
  return {
    links: model.links.map(renderLink),
    networks: model.networks.map(renderNetwork),
    services: services(model.dns),
  };
}

/**
 * node.network_data for DHCP-less deploys: only the links under `name` and that one network.
 * The ramdisk needs a static address to reach Ironic, so the network must be manual.
 */
export function nodeNetworkData(model: NetworkModel, name: string): NetworkData {
  const n = model.networks.find((x) => x.name === name && x.origin === "bosh");
  const err = (code: "UNKNOWN_NETWORK" | "UNSUPPORTED", msg: string) =>
    new NetworkModelError(code, `provisioning_network '${name}': ${msg}`, { network: name });
  if (!n)
    throw err(
      "UNKNOWN_NETWORK",
      model.given[name]
        ? "is a vip network"
        : `is not one of this VM's networks (${Object.keys(model.given).join(", ")})`,
    );
  if (n.mode !== "static") throw err("UNSUPPORTED", "DHCP-less provisioning needs a manual (static) network");
  // Ironic's schema only knows /0-/31 netmasks for IPv4.
  if (n.family === 4 && n.address!.prefix === 32)
    throw err("UNSUPPORTED", "Ironic's network_data schema rejects a /32 netmask");
  const byId = new Map(model.links.map((l) => [l.id, l]));
  // A bond becomes its first NIC here: IPA's ramdisks configure network_data with glean, one interface at a
  // time, and glean fails on a bond (the other member's MAC is not its interface's): no address at all, seen on
  // the test bed. One member reaches Ironic in active-backup and behind switches with LACP fallback, as
  // provisioning over one port does; the deployed OS gets the bond from the config drive.
  const single = (l: Link): Link => (l.type === "bond" ? byId.get(l.members[0]!)! : l);
  const top = single(byId.get(n.link)!);
  const chain: Link[] =
    top.type === "vlan"
      ? ((parent: Link) => [parent, { ...top, id: `${parent.id}.${top.vlanId}`, parent: parent.id }])(
          single(byId.get(top.parent)!),
        )
      : [top];
  const network = { ...n, link: chain.at(-1)!.id };
  return { links: chain.map(renderLink), networks: [renderNetwork(network)], services: services(model.dns) };
}
