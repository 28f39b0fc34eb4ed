// Claims live in Ironic, never in the CPI (many CPI processes run at once): a claim is ONE PATCH that sets
// instance_uuid and writes extra.bosh. Ironic refuses a second, different instance_uuid with 409 "associated"
// (IronicNodeAssociated: the race is lost, never retried); a "locked" 409 is retried by the transport.
// Every later PATCH of the create path re-adds the same instance_uuid (a no-op for Ironic), so a claim that
// vanished under us is re-taken or, if someone else holds the node by then, fails loudly instead of
// deploying onto a node we no longer hold.
import type { IronicClient } from "../../ironic/client.ts";
import { IronicNodeAssociated } from "../../ironic/errors.ts";
import type { Node } from "../../ironic/node-schema.ts";
import { type JsonPatchOp, add, remove } from "../../ironic/patch.ts";
import type { Logger } from "../../log/index.ts";
import { type BoshRecord, boshRecord, disksHoldCleaning } from "../../selection/node-record.ts";
import type { StalePolicy } from "../../selection/request.ts";
import { isStale } from "../../selection/stale.ts";
import { UNDEPLOYED } from "../../ironic/provision-states.ts";

export interface ClaimsDeps {
  ironic: IronicClient;
  log: Logger;
  now: () => Date;
}

export class Claims {
  constructor(private readonly deps: ClaimsDeps) {}

  /** Claims a node: instance_uuid + extra.bosh in one atomic PATCH. Throws IronicNodeAssociated when lost. */
  async claim(
    nodeUuid: string,
    claimUuid: string,
    record: BoshRecord,
    ops: readonly JsonPatchOp[] = [],
  ): Promise<Node> {
    const stamp = this.deps.now().toISOString();
    const full: BoshRecord = { ...record, claimed_at: record.claimed_at ?? stamp, updated_at: stamp };
    // Idempotent by construction: repeating the same claim is a 200 for Ironic.
    return this.deps.ironic.nodes.patch(
      nodeUuid,
      [add("/instance_uuid", claimUuid), add("/extra/bosh", full), ...ops],
      {
        idempotent: true,
      },
    );
  }

  /** Updates record fields (and more ops) while re-asserting the claim. */
  async update(
    nodeUuid: string,
    claimUuid: string,
    changes: Partial<BoshRecord>,
    ops: readonly JsonPatchOp[] = [],
  ): Promise<Node> {
    const fields = { ...changes, updated_at: this.deps.now().toISOString() };
    const recordOps = Object.entries(fields).map(([k, v]) => add(["extra", "bosh", k], v));
    return this.deps.ironic.nodes.patch(nodeUuid, [add("/instance_uuid", claimUuid), ...recordOps, ...ops], {
      idempotent: true,
    });
  }

  /**
   * Gives a node up: removes instance_uuid (when it is `claimUuid`, or any when undefined) and extra.bosh,
   * and puts back what the record says BOSH changed (plus `ops`, in the same PATCH). Re-reads the node first; a node
   * held by someone else
   * is left alone. Returns false when there was nothing of ours to release.
   */
  async release(
    nodeUuid: string,
    claimUuid: string | undefined,
    opts: { node?: Node; ops?: readonly JsonPatchOp[] } = {},
  ): Promise<boolean> {
    const node = opts.node ?? (await this.deps.ironic.nodes.find(nodeUuid));
    if (!node) return false;
    if (claimUuid !== undefined && node.instance_uuid && node.instance_uuid !== claimUuid) return false;
    const ops = [...releaseOps(node, this.deps.ironic.supports("network_data")), ...(opts.ops ?? [])];
    if (ops.length === 0) return false;
    await this.deps.ironic.nodes.patch(nodeUuid, ops);
    this.deps.log.info({ node: nodeUuid }, "released claim");
    return true;
  }

  /**
   * Releases a claim left by a create_vm that died, after re-reading the node and checking that it is still
   * the same stale claim (another pass may have released and re-claimed it meanwhile).
   */
  async releaseStale(seen: Node, policy: StalePolicy): Promise<boolean> {
    const now = await this.deps.ironic.nodes.find(seen.uuid);
    const rec = now && boshRecord(now);
    const before = boshRecord(seen);
    if (!now || !rec || !before || now.instance_uuid !== seen.instance_uuid || rec.claimed_at !== before.claimed_at)
      return false;
    if (!isStale(rec, policy)) return false;
    this.deps.log.warn(
      { node: seen.uuid, agent_id: rec.agent_id, claimed_at: rec.claimed_at, phase: rec.phase },
      "releasing stale claim of a create_vm that did not finish",
    );
    return this.release(seen.uuid, now.instance_uuid ?? undefined, { node: now });
  }
}

/** JSON-patch that undoes a claim on `node` as it is now (remove of an absent member is a 400, so check). */
export function releaseOps(node: Node, networkDataSupported: boolean): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  if (node.instance_uuid) ops.push(remove("/instance_uuid"));
  const rec = boshRecord(node);
  if (node.extra && "bosh" in node.extra) ops.push(remove("/extra/bosh"));
  // The claim wrote instance_info (node-setup.ts); Ironic clears it on undeploy, a never-deployed node here.
  if (UNDEPLOYED.has(node.provision_state ?? "") && node.instance_info && Object.keys(node.instance_info).length > 0)
    ops.push(add("/instance_info", {}));
  const restore = rec?.restore;
  if (restore && "automated_clean" in restore && !disksHoldCleaning(node))
    ops.push(add("/automated_clean", restore.automated_clean ?? null));
  if (restore?.network_data && networkDataSupported) {
    // Ironic validates network_data against its schema: an empty document cannot be added, only reset.
    const empty = Object.keys(restore.network_data).length === 0;
    ops.push(empty ? remove("/network_data") : add("/network_data", restore.network_data));
  }
  return ops;
}

/** A lost race, as opposed to any other failure of a claim PATCH. */
export const isLostClaim = (err: unknown) => err instanceof IronicNodeAssociated;
