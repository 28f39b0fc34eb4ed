// Failure-domain spread at selection time (selection/failure-domains.ts has the rules): the counts
// from one list of the BOSH-held nodes, the required filter, and the re-check after a claim.
import type { Node, NodeField } from "../ironic/node-schema.ts";
import { type DomainPath, domainField, domainKey, groupMembers, surplus } from "../selection/failure-domains.ts";
import type { How } from "../selection/filters.ts";
import type { SelectionRequest } from "../selection/request.ts";
import type { Acquired } from "./node-pool.ts";
import type { VmDeps } from "./vm/deps.ts";

/** The instance group's VMs per failure domain, from one list of the BOSH-held nodes. */
export interface Spread {
  path: DomainPath;
  required: boolean;
  counts: Map<string, number>;
  /** required: only candidates in a domain without a VM of the group (and our own claim) stay */
  requiredFilter<T extends Node>(eligible: { node: T; how: How }[]): { kept: { node: T; how: How }[]; skipped: number };
  describeFull(): string;
}

export async function spreadNow(deps: VmDeps, req: SelectionRequest): Promise<Spread | undefined> {
  const s = req.spread;
  if (!s) return undefined;
  const members = groupMembers(await heldNodes(deps, s.path), s.group, s.path);
  const counts = new Map([...members].map(([d, list]) => [d, list.length]));
  return {
    path: s.path,
    required: s.required,
    counts,
    requiredFilter: (eligible) => {
      const kept = eligible.filter(
        (e) => e.how === "ours" || e.how === "takeover" || !counts.has(domainKey(e.node, s.path)),
      );
      return { kept, skipped: eligible.length - kept.length };
    },
    describeFull: () =>
      `spread: required for instance group ${s.group}: every fitting server is in a failure domain (${deps.config.placement.failure_domain}) that already holds one of its VMs: ${[
        ...members,
      ]
        .map(([d, list]) => `${d} (${list.map((n) => n.name ?? n.uuid).join(", ")})`)
        .join("; ")}`,
  };
}

const heldNodes = (deps: VmDeps, path: DomainPath) =>
  deps.ironic.nodes.list({
    associated: true,
    fields: [...new Set(["uuid", "name", "instance_uuid", "extra", domainField(path)])] as NodeField[],
  });

/**
 * Parallel create_vm calls of one group all saw the same counts: after our claim, re-count, and give
 * the server up when we are the surplus of its domain (failure-domains.ts surplus) while another
 * domain still has a free candidate.
 */
export async function keepsSpread(deps: VmDeps, req: SelectionRequest, got: Acquired, eligible: { node: Node }[]) {
  const s = req.spread;
  if (!s || got.how === "ours" || got.how === "takeover") return true;
  const held = await heldNodes(deps, s.path);
  const taken = new Set(held.map((n) => n.uuid));
  const members = groupMembers(held, s.group, s.path);
  const freeDomains = new Set(eligible.filter((e) => !taken.has(e.node.uuid)).map((e) => domainKey(e.node, s.path)));
  if (!surplus(got.node, members, freeDomains, s.path, s.required)) return true;
  deps.log.info(
    { node: got.node.uuid, domain: domainKey(got.node, s.path), group: s.group },
    "failure domain filled up meanwhile; moving on",
  );
  await deps.claims.release(got.node.uuid, req.claimUuid, { node: got.node });
  return false;
}
