// When no node of the pool is free, the likeliest reason is a create_vm that died after its deploy had
// started (or finished, but before it answered: a created VM nobody acknowledged, selection/stale.ts): the
// director never learnt that node, and selection cannot simply release a deployed node's
// claim. The selection pass then tears one such stale claim down, as `reconcile` would (undeploy,
// restore, release), so that this call, or the next, finds the node available. One per call (an
// undeploy takes time); parallel calls pick different ones by their agent id.
import type { Node } from "../../ironic/node-schema.ts";
import { boshRecord } from "../../selection/node-record.ts";
import { hash32 } from "../../selection/ranking.ts";
import { type SelectionRequest, type StalePolicy, poolQueries } from "../../selection/request.ts";
import { isStale } from "../../selection/stale.ts";
import { DEPLOY_STARTED } from "../../ironic/provision-states.ts";
import type { PoolDeps } from "./deps.ts";
import { teardown } from "./teardown.ts";

/** True when a stale deployed claim was torn down (its node should now be free). */
export async function releaseStaleDeployed(
  deps: PoolDeps,
  req: SelectionRequest,
  policy: StalePolicy,
): Promise<boolean> {
  const fields = ["uuid", "name", "provision_state", "instance_uuid", "extra"] as const;
  const listed: Node[] = req.macs
    ? []
    : (
        await Promise.all(
          DEPLOY_STARTED.map((s) => deps.ironic.nodes.list({ ...poolQueries(req)[0], provision_state: s, fields })),
        )
      ).flat();
  const stale = listed.filter((n) => {
    const rec = boshRecord(n);
    return !!rec && (rec.phase === "creating" || rec.phase === "created") && isStale(rec, policy);
  });
  if (stale.length === 0) return false;
  const pick = stale.sort((a, b) => a.uuid.localeCompare(b.uuid))[hash32(req.seed) % stale.length]!;
  // Re-read: another call may have torn it down, or the claim may have changed, since the listing.
  const node = await deps.ironic.nodes.get(pick.uuid);
  const rec = boshRecord(node);
  if (
    !rec ||
    node.instance_uuid !== pick.instance_uuid ||
    rec.claimed_at !== boshRecord(pick)?.claimed_at ||
    !isStale(rec, policy)
  )
    return false;
  deps.log.warn(
    { node: node.uuid, agent_id: rec.agent_id, claimed_at: rec.claimed_at, state: node.provision_state },
    "no free node: tearing down the stale claim of a create_vm that did not finish",
  );
  try {
    await teardown(deps, node, { reason: "stale claim of a create_vm that did not finish" });
    return true;
  } catch (err) {
    deps.log.warn({ node: node.uuid, err }, "could not tear the stale claim down (another call may be doing it)");
    return false;
  }
}
