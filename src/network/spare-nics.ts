// NICs no BOSH network uses. The bosh-agent configures DHCP on every interface without settings
// (contract §5.3), which on a cabled-but-unintended segment can add routes and nameservers. So by
// default (`loopback`, the 2016 CPI's trick, original-python-cpi.md §9.2) each one gets a static
// address from the loopback range, named after its MAC with "-" for ":" (kept for compatibility).
// `dhcp` says so explicitly; `ignore` writes nothing (the agent will still DHCP them).
import type { Config } from "../config/schema.ts";
import { addToIp, inSubnet, parseIp } from "./address.ts";
import type { StaticAddress } from "./addressing.ts";
import { NetworkModelError } from "./errors.ts";
import type { Nic } from "./nics.ts";

export type SparePolicy = Pick<Config["network"], "unused_nics" | "loopback_base" | "loopback_prefix">;

export interface SpareNetwork {
  name: string;
  mac: string;
  mode: "static" | "dhcp";
  address?: StaticAddress;
}

const spareName = (mac: string) => mac.replaceAll(":", "-");

export function spareNetworks(
  spare: readonly Nic[],
  policy: SparePolicy,
  boshNames: ReadonlySet<string>,
): SpareNetwork[] {
  if (policy.unused_nics === "ignore") return [];
  const base = parseIp(policy.loopback_base);
  if (base?.family !== 4)
    throw new NetworkModelError("CONFIG", `network.loopback_base '${policy.loopback_base}' is not an IPv4 address`);
  return spare.map((nic, k) => {
    const name = spareName(nic.mac);
    if (boshNames.has(name))
      throw new NetworkModelError(
        "NIC_CONFLICT",
        `BOSH network '${name}' has the name this CPI gives the unused NIC ${nic.mac}`,
        { network: name, mac: nic.mac },
      );
    if (policy.unused_nics === "dhcp") return { name, mac: nic.mac, mode: "dhcp" };
    const ip = addToIp(base, k);
    if (!inSubnet(ip, base, policy.loopback_prefix))
      throw new NetworkModelError(
        "CONFIG",
        `${spare.length} unused NICs do not fit in ${policy.loopback_base}/${policy.loopback_prefix} from ` +
          `network.loopback_base (NIC ${nic.mac} would be beyond it)`,
        { mac: nic.mac },
      );
    return { name, mac: nic.mac, mode: "static", address: { ip, prefix: policy.loopback_prefix } };
  });
}
