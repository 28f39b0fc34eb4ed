// The networks map for the agent settings (contract §4.1, §5.3), which is also create_vm's v2
// second result: every key the director sent, plus `mac` and an explicit `use_dhcp` on every
// non-vip network (agent issue #64: without them, multi-NIC servers get DHCP everywhere).
//
// No bosh-agent creates bonds or VLANs (it would put a bonded network on the bond's first member NIC,
// untagged, and DHCP on the other): when the layout has one, every network is marked `preconfigured`,
// which makes the agent leave the network alone (it writes resolv.conf only), and the stemcell brings
// the links up from network_data.json, as bare-metal images do (glean, cloud-init's converters). `mac`
// stays: the bond's MAC (its first member's), for a tagged network its parent's.
import type { NetworkSpec } from "../protocol/shapes.ts";
import { formatIp, maskOfPrefix } from "./address.ts";
import type { L3Network, NetworkModel } from "./model.ts";

/** One entry of the agent's networks map: the director's keys plus what this CPI adds. */
export type AgentNetwork = NetworkSpec & {
  mac?: string;
  use_dhcp?: boolean;
  routes?: { Destination: string; Gateway: string; Netmask: string }[];
};
export type AgentNetworks = Record<string, AgentNetwork>;

/**
 * The director's keys as the agent's settings schema types them: `prefix` is a string there (newer
 * directors send it; a number would fail the agent's settings parsing), so numbers become strings.
 */
function asGiven(spec: NetworkSpec): AgentNetwork {
  return spec.prefix === undefined ? { ...spec } : { ...spec, prefix: String(spec.prefix) };
}

function enrich(spec: NetworkSpec, n: L3Network): AgentNetwork {
  const out: AgentNetwork = {
    ...asGiven(spec),
    type: spec.type ?? (n.mode === "static" ? "manual" : "dynamic"),
    mac: n.mac,
    use_dhcp: n.mode === "dhcp",
  };
  if (!spec.dns?.length && n.dns.length) out.dns = [...n.dns];
  if (n.inferredDefaults.length) out.default = [...new Set([...(spec.default ?? []), ...n.inferredDefaults])].sort();
  // bosh-agent settings.Route has no json tags (Go matches keys case-insensitively) and is written
  // as IPv4 "route add -net … netmask …" style: IPv6 routes stay in network_data.json only.
  const v4 = n.routes.filter((r) => r.network.family === 4);
  if (v4.length)
    out.routes = v4.map((r) => ({
      Destination: formatIp(r.network),
      Gateway: formatIp(r.gateway),
      Netmask: formatIp(maskOfPrefix(4, r.prefix)),
    }));
  return out;
}

function spareEntry(n: L3Network): AgentNetwork {
  if (n.mode === "dhcp") return { type: "dynamic", mac: n.mac, use_dhcp: true };
  const a = n.address!;
  return {
    type: "manual",
    ip: formatIp(a.ip),
    netmask: formatIp(maskOfPrefix(4, a.prefix)),
    mac: n.mac,
    use_dhcp: false,
  };
}

export function agentNetworks(model: NetworkModel): AgentNetworks {
  const byName = new Map(model.networks.map((n) => [n.name, n]));
  const out: AgentNetworks = {};
  const mark = (e: AgentNetwork): AgentNetwork => (model.preconfigured ? { ...e, preconfigured: true } : e);
  for (const [name, spec] of Object.entries(model.given)) {
    const n = byName.get(name);
    out[name] = n ? mark(enrich(spec, n)) : asGiven(spec); // vip: as given, the agent skips it
  }
  for (const n of model.networks)
    if (n.origin === "spare" && model.agentSpares.has(n.name)) out[n.name] = mark(spareEntry(n));
  return out;
}
