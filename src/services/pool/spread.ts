// Failure-domain spread at claim time (selection/failure-domains.ts has the rules, selection/plan.ts
// the counts): the one list of the BOSH-held nodes a pass counts the instance group from, and the
// re-check after a claim, since parallel create_vm calls of one group all saw the same counts.
import type { Node, NodeField } from "../../ironic/node-schema.ts";
import { type DomainPath, domainField, domainKey, groupMembers, surplus } from "../../selection/failure-domains.ts";
import type { How } from "../../selection/filters.ts";
import type { SelectionRequest } from "../../selection/request.ts";
import type { PoolDeps } from "./deps.ts";

/** The nodes BOSH holds, with the field the failure domain is read from; none when the request does not spread. */
export async function heldNodes(deps: Pick<PoolDeps, "ironic">, req: SelectionRequest): Promise<Node[]> {
  return req.spread ? listHeld(deps, req.spread.path) : [];
}

const listHeld = (deps: Pick<PoolDeps, "ironic">, path: DomainPath) =>
  deps.ironic.nodes.list({
    associated: true,
    fields: [...new Set(["uuid", "name", "instance_uuid", "extra", domainField(path)])] as NodeField[],
  });

/**
 * After our claim landed: re-count, and give the server up when we are the surplus of its domain
 * (failure-domains.ts surplus) while another domain still has a free candidate. True: keep it. Our own
 * earlier claim and our disks' server are kept: the VM is placed by them.
 */
export async function keepsSpread(
  deps: Pick<PoolDeps, "ironic" | "log" | "claims">,
  req: SelectionRequest,
  got: { node: Node; how: How },
  candidates: readonly { node: Node }[],
): Promise<boolean> {
  const s = req.spread;
  if (!s || got.how === "ours" || got.how === "takeover") return true;
  const claimed = got.node;
  const held = await listHeld(deps, s.path);
  const taken = new Set(held.map((n) => n.uuid));
  const members = groupMembers(held, s.group, s.path);
  const freeDomains = new Set(candidates.filter((e) => !taken.has(e.node.uuid)).map((e) => domainKey(e.node, s.path)));
  if (!surplus(claimed, members, freeDomains, s.path, s.required)) return true;
  deps.log.info(
    { node: claimed.uuid, domain: domainKey(claimed, s.path), group: s.group },
    "failure domain filled up meanwhile; moving on",
  );
  await deps.claims.release(claimed.uuid, req.claimUuid, { node: claimed });
  return false;
}
