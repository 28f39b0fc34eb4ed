// One model of the server's networking, built from the BOSH `networks` argument, the node's Ironic
// ports and the CPI's network policy. Everything the VM is told about its network (agent settings,
// network_data.json, node.network_data) is rendered from this one model, so they cannot disagree.
import type { Config } from "../config/schema.ts";
import type { NetworkSpec, Networks } from "../protocol/shapes.ts";
import type { Family, Ip } from "./address.ts";
import { parseIp } from "./address.ts";
import { type Route, type StaticAddress, routesOf, staticAddressOf } from "./addressing.ts";
import { type NetworkCloudProperties, parseNetworkCloudProperties } from "./cloud-properties.ts";
import { NetworkModelError } from "./errors.ts";
import { type Link, layoutLinks } from "./links.ts";
import { type NicRequest, type Pin, type Port, assignNics, orderNics } from "./nics.ts";
import { spareNetworks } from "./spare-nics.ts";

export type NetworkPolicy = Config["network"];
export type DefaultCategory = "dns" | "gateway";

export interface L3Network {
  name: string;
  origin: "bosh" | "spare";
  /** Link carrying the address (a VLAN link when the network is tagged). */
  link: string;
  /** What the agent matches interfaces by. For a bond: the first member's MAC (the agent knows
   *  no bonds, contract §5.3); for a VLAN: its parent's MAC. */
  mac: string;
  mode: "static" | "dhcp";
  family: Family;
  address?: StaticAddress;
  /** Gateway of the default route, when this network is the `gateway` default and has one. */
  defaultGateway?: Ip;
  routes: Route[];
  /** Nameservers for this network: its own, or network.default_dns when it is the dns default. */
  dns: string[];
  /** Default categories this CPI inferred (single network without `default`), to be written out. */
  inferredDefaults: DefaultCategory[];
  cloudProperties: NetworkCloudProperties;
}

export interface NetworkModel {
  /** The networks argument, as given: agent settings keep every key the director sent. */
  given: Networks;
  links: Link[];
  /** BOSH networks in the order given (vip excluded), then spare NICs in NIC order. */
  networks: L3Network[];
  /** Global nameservers: the dns default network's, else network.default_dns. */
  dns: string[];
  /** Accepted but suspicious input (gateway outside the subnet); log these. */
  warnings: string[];
  /** Spare NICs that get an entry in the agent settings (network_data lists them all). */
  agentSpares: ReadonlySet<string>;
  /**
   * A bond or a VLAN is part of the layout: no bosh-agent creates those, so the agent is told the
   * networks are preconfigured and the stemcell brings them up from network_data.json.
   */
  preconfigured: boolean;
}

export interface NetworkModelInput {
  networks: Networks;
  ports: readonly Port[];
  policy: NetworkPolicy;
  /** The network the deploy ramdisk uses (vm_type provisioning_network): first pick of free NICs. */
  provisioningNetwork?: string;
}

const typeOf = (spec: NetworkSpec) => spec.type ?? (spec.ip ? "manual" : "dynamic");

function pinOf(spec: NetworkSpec, cp: NetworkCloudProperties): Pin {
  if (cp.bond) return { kind: "bond", bond: cp.bond };
  if (cp.mac) return { kind: "mac", mac: cp.mac };
  if (cp.macs) return { kind: "macs", candidates: cp.macs };
  // A `mac` key on the network itself (the 2016 CPI honoured it) pins like cloud_properties.mac.
  if (spec.mac) return { kind: "mac", mac: spec.mac.toLowerCase() };
  return { kind: "auto" };
}

/** Which network is the default for a category: the one saying so, else the only non-vip network
 *  when nobody says (the agent's own rule for a single network, kept when spare NICs are added). */
function defaultsOf(given: [string, NetworkSpec][]): Map<DefaultCategory, { name: string; inferred: boolean }> {
  const out = new Map<DefaultCategory, { name: string; inferred: boolean }>();
  const nonVip = given.filter(([, s]) => typeOf(s) !== "vip");
  for (const cat of ["dns", "gateway"] as const) {
    const declared = given.find(([, s]) => s.default?.includes(cat));
    if (declared) out.set(cat, { name: declared[0], inferred: false });
    else if (nonVip.length === 1 && !given.some(([, s]) => s.default?.length))
      out.set(cat, { name: nonVip[0]![0], inferred: true });
  }
  return out;
}

export function buildNetworkModel(input: NetworkModelInput): NetworkModel {
  const given = Object.entries(input.networks);
  const active = given.filter(([, s]) => typeOf(s) !== "vip");
  const cps = new Map(active.map(([n, s]) => [n, parseNetworkCloudProperties(n, s.cloud_properties)]));
  const cp = (n: string) => cps.get(n)!;
  const requests: NicRequest[] = active.map(([n, s]) => ({
    network: n,
    pin: pinOf(s, cp(n)),
    ...(s.nic_group !== undefined ? { group: String(s.nic_group) } : {}),
  }));
  const assignment = assignNics(orderNics(input.ports), requests, input.provisioningNetwork);
  const spares = spareNetworks(assignment.spare, input.policy, new Set(given.map(([n]) => n)));
  const layout = layoutLinks(
    assignment,
    active.map(([n]) => ({ network: n, vlan: cp(n).vlan, mtu: cp(n).mtu })),
    spares.length > 0,
  );
  const linkMac = new Map(layout.links.map((l) => [l.id, l.mac]));
  const defaults = defaultsOf(given);
  const warnings: string[] = [];
  const defaultDns = input.policy.default_dns;

  const networks: L3Network[] = active.map(([name, spec]) => {
    const link = layout.linkOf.get(name)!;
    const isDefault = (c: DefaultCategory) => defaults.get(c)?.name === name;
    const inferredDefaults = (["dns", "gateway"] as const).filter((c) => isDefault(c) && defaults.get(c)!.inferred);
    const dns = spec.dns?.length ? spec.dns : isDefault("dns") ? defaultDns : [];
    const base = {
      name,
      origin: "bosh" as const,
      link,
      mac: linkMac.get(link)!,
      dns,
      inferredDefaults,
      cloudProperties: cp(name),
    };
    if (typeOf(spec) === "dynamic") {
      if (cp(name).routes?.length)
        throw new NetworkModelError(
          "INVALID_ADDRESS",
          `network '${name}': cloud_properties.routes need a manual (static) network`,
          { network: name },
        );
      const family = spec.ip ? (parseIp(spec.ip)?.family ?? 4) : 4;
      return { ...base, mode: "dhcp" as const, family, routes: [] };
    }
    const address = staticAddressOf(name, spec, warnings);
    const gw = isDefault("gateway") ? address.gateway : undefined;
    return {
      ...base,
      mode: "static" as const,
      family: address.ip.family,
      address,
      ...(gw ? { defaultGateway: gw } : {}),
      routes: routesOf(name, address.ip.family, cp(name).routes),
    };
  });
  for (const s of spares) {
    const link = layout.spareLink.get(s.mac)!;
    networks.push({
      name: s.name,
      origin: "spare",
      link,
      mac: s.mac,
      mode: s.mode,
      family: 4,
      ...(s.address ? { address: s.address } : {}),
      routes: [],
      dns: [],
      inferredDefaults: [],
      cloudProperties: {},
    });
  }
  const dnsDefault = defaults.get("dns")?.name;
  const dns = networks.find((n) => n.name === dnsDefault)?.dns ?? defaultDns;
  const preconfigured = layout.links.some((l) => l.type === "bond" || l.type === "vlan");
  if (preconfigured)
    warnings.push(
      "a bond or VLAN: the agent settings mark every network preconfigured (no bosh-agent creates bonds or VLANs); " +
        "the stemcell must bring them up from the config drive's network_data.json",
    );
  return {
    given: input.networks,
    links: layout.links,
    networks,
    dns: [...new Set(dns)],
    warnings,
    // preconfigured: the agent counts nothing, and every spare NIC is listed with its loopback address
    agentSpares: preconfigured
      ? new Set(networks.filter((n) => n.origin === "spare").map((n) => n.name))
      : agentSpares(networks, input.ports.length, warnings),
    preconfigured,
  };
}

/**
 * bosh-agent before v2.720 refuses settings with more (non-vip) networks than NICs and applies one
 * network per NIC (platform/net/interface_configuration_creator.go). Several networks on one NIC (a bond
 * or a parent with VLANs) only work with newer agents, and then the spare NICs' entries are left out of
 * the agent settings, so that an older agent still boots (it runs DHCP on those NICs).
 */
function agentSpares(networks: readonly L3Network[], nics: number, warnings: string[]): Set<string> {
  const bosh = networks.filter((n) => n.origin === "bosh");
  const spares = networks.filter((n) => n.origin === "spare");
  const byMac = new Map<string, string[]>();
  for (const n of bosh) byMac.set(n.mac, [...(byMac.get(n.mac) ?? []), n.name]);
  for (const [mac, names] of byMac) {
    if (names.length > 1)
      warnings.push(`networks ${names.join(", ")} share NIC ${mac}: bosh-agent before v2.720 applies only one of them`);
  }
  const kept = spares.slice(0, Math.max(0, nics - bosh.length));
  if (kept.length < spares.length) {
    const left = spares.slice(kept.length).map((n) => n.mac);
    warnings.push(
      `unused NICs ${left.join(", ")} get no entry in the agent settings (more networks than NICs stops ` +
        `bosh-agent before v2.720); network_data.json still has them`,
    );
  }
  return new Set(kept.map((n) => n.name));
}
