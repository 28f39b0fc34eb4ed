// The candidates of a selection pass, read from Ironic with server-side filters and only the fields
// selection reads: the pinned node, the nodes owning the vm_type's MACs, or the filtered pool.
import type { Node, NodeField } from "../../ironic/node-schema.ts";
import { type Source, boshRecord } from "../../selection/node-record.ts";
import type { PlanPolicy } from "../../selection/plan.ts";
import { type SelectionRequest, poolQueries, selectionFields } from "../../selection/request.ts";
import type { PoolDeps } from "./deps.ts";

/** The clock and the timeouts a pass judges stale claims and failed servers by, from the configuration. */
export function planPolicy(deps: Pick<PoolDeps, "config" | "now">): PlanPolicy {
  const c = deps.config;
  return {
    now: deps.now(),
    deployTimeoutS: c.ironic.deploy_timeout,
    deleteTimeoutS: c.ironic.delete_timeout,
    marginS: c.ironic.stale_claim_margin,
    avoidFailedS: c.placement.avoid_failed_for,
  };
}

/** What selection reads, plus automated_clean (the claim records its previous value) when Ironic has it. */
function fields(deps: Pick<PoolDeps, "ironic">, req: SelectionRequest): NodeField[] {
  return [
    ...(selectionFields(req) as NodeField[]),
    ...(deps.ironic.supports("automated_clean") ? (["automated_clean"] as const) : []),
    ...(deps.ironic.supports("retired") ? (["retired"] as const) : []),
    ...(deps.ironic.supports("health") ? (["health"] as const) : []),
  ];
}

/** Candidate nodes: the pinned node, the nodes owning the MACs, or the filtered pool plus our own claim. */
export async function candidates(
  deps: Pick<PoolDeps, "ironic">,
  req: SelectionRequest,
  pinned?: string,
): Promise<Node[]> {
  const f = fields(deps, req);
  if (pinned) return [await deps.ironic.nodes.get(pinned, { fields: f })];
  if (req.macs) {
    const ports = (await Promise.all(req.macs.map((mac) => deps.ironic.ports.byAddress(mac)))).flat();
    const uuids = [...new Set(ports.map((p) => p.node_uuid).filter((u): u is string => !!u))];
    return (await Promise.all(uuids.map((u) => deps.ironic.nodes.find(u, { fields: f })))).filter(
      (n): n is Node => !!n,
    );
  }
  // No lookup of our own claim here: Ironic keeps instance_uuid unique across nodes, so claiming another
  // node while one already holds our claim UUID fails (409), and only then do we look it up (ownClaim).
  return (await Promise.all(poolQueries(req).map((q) => deps.ironic.nodes.list({ ...q, fields: f })))).flat();
}

/** Where a free node comes from, recorded with the claim so its release puts it back there. */
export const sourceOf = (n: Node): Source => (n.provision_state === "manageable" ? "manageable" : "available");

/** Where a node we hold already came from: its record says, else its state. */
export const heldSource = (n: Node): Source => boshRecord(n)?.source ?? sourceOf(n);
