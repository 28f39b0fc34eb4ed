// Layer 3 of one BOSH network: its static address, subnet, gateway and extra routes, checked for
// the mistakes that would otherwise only show up as an agent that never answers (contract §9:
// "validate MAC/IP/gateway/DNS before deploying").
import type { NetworkSpec } from "../protocol/shapes.ts";
import type { RouteSpec } from "./cloud-properties.ts";
import { type Family, type Ip, bitsOf, formatIp, inSubnet, networkOf, parseIp, prefixOfMask } from "./address.ts";
import { NetworkModelError } from "./errors.ts";

export interface StaticAddress {
  ip: Ip;
  /** Subnet prefix length, from the netmask. BOSH's own `prefix` key is NOT this: it is the size of
   *  the address block given to the VM (32/128 for a single address, shorter for prefix delegation). */
  prefix: number;
  gateway?: Ip;
}

export interface Route {
  network: Ip;
  prefix: number;
  gateway: Ip;
}

const bad = (network: string, what: string) =>
  new NetworkModelError("INVALID_ADDRESS", `network '${network}': ${what}`, { network });

function ipOf(network: string, key: string, value: string | undefined): Ip | undefined {
  if (value === undefined) return undefined;
  const ip = parseIp(value);
  if (!ip) throw bad(network, `${key} '${value}' is not an IP address`);
  return ip;
}

/**
 * The static address of a manual network. A gateway outside the subnet is accepted (some data
 * centres route to an on-link gateway outside the subnet, which Linux accepts as an onlink route)
 * but reported in `warnings` so the service can log it: it is the most common typo as well.
 */
export function staticAddressOf(network: string, spec: NetworkSpec, warnings: string[]): StaticAddress {
  const ip = ipOf(network, "ip", spec.ip);
  if (!ip) throw bad(network, "a manual network needs an ip");
  const mask = ipOf(network, "netmask", spec.netmask);
  if (!mask) throw bad(network, `manual network with ip ${spec.ip} has no netmask`);
  if (mask.family !== ip.family)
    throw bad(network, `netmask ${spec.netmask} is IPv${mask.family} but ip ${spec.ip} is IPv${ip.family}`);
  const prefix = prefixOfMask(mask);
  if (prefix === undefined) throw bad(network, `netmask ${spec.netmask} is not contiguous`);
  const gateway = ipOf(network, "gateway", spec.gateway);
  if (gateway && gateway.family !== ip.family)
    throw bad(network, `gateway ${spec.gateway} is IPv${gateway.family} but ip ${spec.ip} is IPv${ip.family}`);
  if (gateway && gateway.value === ip.value) throw bad(network, `gateway ${spec.gateway} is the network's own ip`);
  if (gateway && !inSubnet(gateway, ip, prefix))
    warnings.push(
      `network '${network}': gateway ${spec.gateway} is outside ${formatIp(networkOf(ip, prefix))}/${prefix}; ` +
        `using it as an on-link gateway`,
    );
  return gateway ? { ip, prefix, gateway } : { ip, prefix };
}

/** Extra static routes from cloud_properties.routes; same family as the network, no host bits set. */
export function routesOf(network: string, family: Family, specs: readonly RouteSpec[] | undefined): Route[] {
  return (specs ?? []).map((r, i) => {
    const where = `cloud_properties.routes[${i}]`;
    const [addr = "", len = ""] = r.destination.split("/");
    const dest = parseIp(addr);
    const prefix = Number(len);
    if (!dest || !Number.isInteger(prefix) || prefix > bitsOf(dest.family))
      throw bad(network, `${where}.destination '${r.destination}' is not a CIDR`);
    const gateway = parseIp(r.gateway);
    if (!gateway) throw bad(network, `${where}.gateway '${r.gateway}' is not an IP address`);
    if (dest.family !== family || gateway.family !== family)
      throw bad(network, `${where} mixes address families with this IPv${family} network`);
    if (networkOf(dest, prefix).value !== dest.value)
      throw bad(network, `${where}.destination '${r.destination}' has host bits set`);
    return { network: dest, prefix, gateway };
  });
}
