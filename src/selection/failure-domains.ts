// Failure domains and spread: the instances of one instance group should not share a rack, a PDU, a
// switch. A server's domain is read from Ironic's own data by a path (placement.failure_domain):
// `properties.rack` (the default), `conductor_group`, `extra.pdu`, or `trait:CUSTOM_RACK_` (the rest of
// the first trait with that prefix). A server without it is a domain of its own.
// The spread key is the director's env.bosh.group (else the last of env.bosh.groups), recorded with
// the claim; how many VMs of the group each domain holds is counted from the BOSH-held nodes.
import { type RecordNode, boshRecord } from "./node-record.ts";

export type DomainPath = { kind: "field"; path: string[] } | { kind: "trait"; prefix: string };

export interface DomainNode extends RecordNode {
  name?: string | null | undefined;
  properties?: Record<string, unknown> | null | undefined;
  conductor_group?: string | null | undefined;
  traits?: string[] | null | undefined;
}

const TOP_FIELDS = ["properties", "extra", "conductor_group", "resource_class", "owner", "name"];

/** Parses placement.failure_domain (its grammar is checked by the configuration schema); undefined: none. */
export function parseDomainPath(text: string): DomainPath | undefined {
  if (text.startsWith("trait:")) {
    const prefix = text.slice("trait:".length);
    return /^CUSTOM_[A-Z0-9_]*$/.test(prefix) ? { kind: "trait", prefix } : undefined;
  }
  const path = text.split(".");
  if (path.some((p) => p === "") || !TOP_FIELDS.includes(path[0]!)) return undefined;
  if ((path[0] === "properties" || path[0] === "extra") !== path.length > 1) return undefined;
  return { kind: "field", path };
}

/** The node field a list call must return for this path. */
export const domainField = (p: DomainPath): string => (p.kind === "trait" ? "traits" : p.path[0]!);

/** The domain a node names, or undefined when it names none. */
export function domainOf(node: DomainNode, p: DomainPath): string | undefined {
  if (p.kind === "trait") {
    const trait = (node.traits ?? []).find((t) => t.startsWith(p.prefix) && t.length > p.prefix.length);
    return trait?.slice(p.prefix.length);
  }
  let v: unknown = node;
  for (const key of p.path) v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
}

/** The key a node is counted under: its domain, or the node itself. */
export const domainKey = (node: DomainNode, p: DomainPath): string =>
  domainOf(node, p) ?? `(no domain: ${node.name ?? node.uuid})`;

/** The director's instance group of a VM: env.bosh.group, else the last of env.bosh.groups. */
export function spreadGroup(env: unknown): string | undefined {
  const bosh = (env as { bosh?: { group?: unknown; groups?: unknown } } | undefined)?.bosh;
  if (typeof bosh?.group === "string" && bosh.group !== "") return bosh.group;
  const groups = Array.isArray(bosh?.groups) ? bosh.groups.filter((g): g is string => typeof g === "string") : [];
  return groups.at(-1);
}

/** A VM of `group` held on this node: claimed, with a VM record (not a disk reservation, not being deleted). */
export function holdsGroup(node: RecordNode, group: string): boolean {
  const rec = boshRecord(node);
  return !!node.instance_uuid && rec?.group === group && (rec.phase === "creating" || rec.phase === "created");
}

/** Each domain's VMs of the group, oldest claim first (claimed_at, then cid: the same order for every caller). */
export function groupMembers<T extends DomainNode>(held: readonly T[], group: string, p: DomainPath): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const n of held.filter((h) => holdsGroup(h, group))) {
    const key = domainKey(n, p);
    out.set(key, [...(out.get(key) ?? []), n]);
  }
  const order = (n: T) => `${boshRecord(n)?.claimed_at ?? ""}/${n.instance_uuid ?? ""}`;
  for (const list of out.values()) list.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  return out;
}

/** `required` spread found every fitting server's domain holding a VM of the group: which, and whose. */
export function describeFull(
  group: string,
  failureDomain: string,
  members: ReadonlyMap<string, readonly DomainNode[]>,
): string {
  const where = [...members].map(([d, list]) => `${d} (${list.map((n) => n.name ?? n.uuid).join(", ")})`);
  return (
    `spread: required for instance group ${group}: every fitting server is in a failure domain ` +
    `(${failureDomain}) that already holds one of its VMs: ${where.join("; ")}`
  );
}

export interface FleetNode extends DomainNode {
  provision_state?: string | null | undefined;
  maintenance?: boolean | null | undefined;
  fault?: string | null | undefined;
  retired?: boolean | null | undefined;
  health?: string | null | undefined;
}

export interface DomainTally {
  /** available, unclaimed, healthy */
  free: number;
  /** claimed (BOSH VMs, disk reservations, other instances) */
  held: number;
  /** in maintenance, with a fault, retired, or a health other than OK */
  unhealthy: number;
  /** any other state (enroll, manageable, cleaning…) */
  other: number;
}

/** The fleet as selection sees it, per failure domain (`reconcile --dry-run`). */
export function fleetByDomain(nodes: readonly FleetNode[], p: DomainPath): Record<string, DomainTally> {
  const out: Record<string, DomainTally> = {};
  for (const n of nodes) {
    const key = domainOf(n, p) ?? "(no domain)";
    const t = out[key] ?? { free: 0, held: 0, unhealthy: 0, other: 0 };
    out[key] = t;
    if (n.maintenance || n.fault || n.retired || (n.health && n.health !== "OK")) t.unhealthy++;
    else if (n.instance_uuid) t.held++;
    else if (n.provision_state === "available") t.free++;
    else t.other++;
  }
  return out;
}

/**
 * After our claim on `mine` landed: should we give it up for a domain with fewer VMs of the group?
 * Preferred: we keep it when our claim is among the first `floor + 1` of its domain, where floor is
 * the fewest VMs of the group in any other domain that still has a free candidate; calls see the same
 * claim order, so the surplus moves on (a claim landing after an earlier one already counted may leave
 * a domain one over, which preferred allows).
 * Required: we keep it only when no other VM of the group is in the domain. Claim order cannot decide
 * here: a claim stamped earlier may land after a later one looked and stayed. Every call looks after
 * its own claim landed, so of two claims in one domain at least one sees the other and gives up.
 */
export function surplus<T extends DomainNode>(
  mine: T,
  members: ReadonlyMap<string, readonly T[]>,
  freeDomains: ReadonlySet<string>,
  p: DomainPath,
  required: boolean,
): boolean {
  const domain = domainKey(mine, p);
  const position = (members.get(domain) ?? []).findIndex((n) => n.uuid === mine.uuid);
  if (position < 0) return false;
  if (required) return (members.get(domain)?.length ?? 0) > 1;
  const others = [...freeDomains].filter((d) => d !== domain).map((d) => members.get(d)?.length ?? 0);
  return others.length > 0 && position > Math.min(...others);
}
