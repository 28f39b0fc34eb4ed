// What a BOSH network's (subnet's) cloud_properties may say to this CPI: which NIC(s) carry it,
// a VLAN tag, an MTU and extra static routes. Strict: an unknown key is a manifest typo, and a typo
// here would silently put a network on the wrong NIC.
import { describeIssues } from "../issues.ts";
import * as z from "zod";
import { NetworkModelError } from "./errors.ts";

const Mac = z
  .string()
  .regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, "must be a MAC address like 52:54:00:12:34:56")
  .transform((m) => m.toLowerCase());

/** Linux bonding modes, spelled as netplan/cloud-init and the kernel spell them. */
export const BOND_MODES = [
  "802.3ad",
  "active-backup",
  "balance-rr",
  "balance-xor",
  "broadcast",
  "balance-tlb",
  "balance-alb",
] as const;
const HASHING_MODES = new Set(["802.3ad", "balance-xor", "balance-tlb", "balance-alb"]);

const Bond = z
  .strictObject({
    /** Member NICs; the first one's MAC becomes the bond's MAC (and the agent's `mac`). */
    macs: z.array(Mac).min(2, "a bond needs at least two member MACs"),
    mode: z.enum(BOND_MODES),
    miimon: z.number().int().min(0).max(60_000).optional(),
    xmit_hash_policy: z.enum(["layer2", "layer2+3", "layer3+4", "encap2+3", "encap3+4", "vlan+srcmac"]).optional(),
    lacp_rate: z.enum(["slow", "fast"]).optional(),
  })
  .superRefine((b, ctx) => {
    if (new Set(b.macs).size !== b.macs.length)
      ctx.addIssue({ code: "custom", path: ["macs"], message: "lists a MAC twice" });
    if (b.lacp_rate && b.mode !== "802.3ad")
      ctx.addIssue({ code: "custom", path: ["lacp_rate"], message: "only applies to mode 802.3ad" });
    if (b.xmit_hash_policy && !HASHING_MODES.has(b.mode))
      ctx.addIssue({ code: "custom", path: ["xmit_hash_policy"], message: `does not apply to mode ${b.mode}` });
  });
export type BondSpec = z.infer<typeof Bond>;

const Route = z.strictObject({
  /** CIDR, e.g. 10.20.0.0/16 or 2001:db8:1::/48; the family must match the network's. */
  destination: z.string().regex(/^[0-9A-Fa-f:.]+\/\d{1,3}$/, "must be a CIDR like 10.20.0.0/16"),
  gateway: z.union([z.ipv4(), z.ipv6()], { error: "must be an IPv4 or IPv6 address" }),
});
export type RouteSpec = z.infer<typeof Route>;

export const NetworkCloudProperties = z
  .strictObject({
    /** Pin to exactly this NIC; an error when the server has no such port. */
    mac: Mac.optional(),
    /** 2016 CPI compatibility: the first free NIC of the server that is in this list (subnets are
     *  shared by many servers, so the list may hold every server's NIC for this network). */
    macs: z.array(Mac).min(1).optional(),
    bond: Bond.optional(),
    vlan: z.number().int().min(1).max(4094).optional(),
    mtu: z.number().int().min(68).max(9216).optional(),
    routes: z.array(Route).optional(),
  })
  .superRefine((p, ctx) => {
    const pins = (["mac", "macs", "bond"] as const).filter((k) => p[k] !== undefined);
    if (pins.length > 1)
      ctx.addIssue({ code: "custom", path: [], message: `${pins.join(" and ")} are mutually exclusive` });
  });
export type NetworkCloudProperties = z.infer<typeof NetworkCloudProperties>;

/** Parses one network's cloud_properties; the error names the network and every offending key. */
export function parseNetworkCloudProperties(network: string, raw: unknown): NetworkCloudProperties {
  const r = NetworkCloudProperties.safeParse(raw ?? {}, { reportInput: true });
  if (r.success) return r.data;
  const what = describeIssues(r.error.issues, { prefix: "cloud_properties", dottedIndexes: true });
  throw new NetworkModelError("INVALID_CLOUD_PROPERTIES", `network '${network}': ${what}`, { network });
}
