// Giving a node back, from whatever state a VM (or a half-made VM) left it in: undeploy if anything was
// deployed, wait until it is out of active/deleting/cleaning, put it back where it came from (available,
// manageable, or deleted when BOSH enrolled it) and drop the claim. One path for delete_vm, for create_vm's
// rollback and for `reconcile`, so all three leave nodes alike. Every step re-reads Ironic: a retried
// delete_vm after a crash continues where the previous one stopped (the 2016 CPI crashed here, bug #9).
import { IronicConflict, IronicNodeAssociated, IronicNotFound, IronicStateError } from "../../ironic/errors.ts";
import type { Node } from "../../ironic/node-schema.ts";
import { type JsonPatchOp, add } from "../../ironic/patch.ts";
import { type BoshRecord, boshRecord } from "../../selection/node-record.ts";
import { AVAILABLE, MANAGEABLE, MOVING, RECOVERABLE, SETTLED, UNDEPLOYABLE } from "../../ironic/provision-states.ts";
import { type PoolDeps, transition, waitForState } from "./deps.ts";

/** What a rollback writes with the release: the server's deploy-failure record, and maintenance when due. */
export interface ReleaseExtras {
  ops: JsonPatchOp[];
  /** Set (PUT /maintenance) while the claim still holds the node, so no other call takes it in between. */
  maintenanceReason?: string;
}

export interface TeardownResult {
  /** "released" | "deleted" (enrolled node removed) | "clean failed" (left in maintenance) | "gone" */
  outcome: "released" | "deleted" | "clean failed" | "gone";
  node: string;
}

/**
 * Tears down whatever BOSH holds on `node` and releases it. `expected` is the record this caller believes
 * is on the node: if a different claim shows up meanwhile, that one is left alone.
 */
export async function teardown(
  deps: PoolDeps,
  node: Node,
  opts: { reason: string; release?: ReleaseExtras },
): Promise<TeardownResult> {
  const uuid = node.uuid;
  const rec = boshRecord(node);
  const claim = node.instance_uuid ?? undefined;
  const log = deps.log.child({ node: uuid, reason: opts.reason });
  // Ironic refuses any PATCH while a transition runs (409), so first let a running one finish. The state is
  // read afresh: a killed earlier call (delete_vm retried by the director) may have started an undeploy
  // after `node` was read, and a request it had in flight may still land: then settle and patch again.
  const fresh = async () =>
    settle(
      deps,
      uuid,
      (await deps.ironic.nodes.get(uuid, { fields: ["uuid", "provision_state"] })).provision_state ?? "",
      rec,
    );
  const watchProtection = deps.ironic.supports("protected");
  let state = await fresh();
  const whenSettled = async (patch: () => Promise<unknown>) => {
    try {
      await patch();
    } catch (err) {
      if (!(err instanceof IronicConflict) || err instanceof IronicNodeAssociated) throw err;
      state = await fresh();
      await patch();
    }
  };
  if (rec && claim) await whenSettled(() => deps.claims.update(uuid, claim, { phase: "deleting" }));
  await whenSettled(() => applyCleaningPolicy(deps, node));
  if (UNDEPLOYABLE.has(state)) {
    // Ironic refuses to undeploy a protected server (create_vm protects BOSH VMs): lift it first, read
    // afresh so a delete_vm killed right after lifting, and retried, finds nothing left to do.
    if (watchProtection && (await deps.ironic.nodes.get(uuid, { fields: ["protected"] })).protected)
      await whenSettled(() => unprotect(deps, uuid, claim));
    try {
      state =
        (
          await transition(
            deps,
            uuid,
            "deleted",
            ["available", "manageable"],
            deps.config.ironic.delete_timeout,
            UNDEPLOYABLE,
          )
        ).provision_state ?? "";
    } catch (err) {
      if (!(err instanceof IronicStateError && err.state === "clean failed")) throw err;
      // The VM is gone (undeployed); cleaning failed afterwards. Ironic keeps the node out of service
      // (clean failed, and maintenance on real hardware); the operator decides what happens to it.
      log.error({ last_error: err.lastError }, "automated cleaning failed after undeploy; node left for the operator");
      await release(deps, uuid, rec, claim, opts.release);
      return { outcome: "clean failed", node: uuid };
    }
  }
  if (RECOVERABLE.has(state) && !(await deps.ironic.nodes.get(uuid, { fields: ["maintenance"] })).maintenance) {
    // Our own manual cleaning or inspection failed during create_vm: `manage` takes the node back.
    state =
      (await transition(deps, uuid, "manage", ["manageable"], deps.config.ironic.delete_timeout, RECOVERABLE))
        .provision_state ?? "";
  }
  if (rec?.source === "enrolled") return deleteEnrolled(deps, uuid, state, rec);
  if (rec?.source === "manageable" && state === "available") {
    await transition(deps, uuid, "manage", ["manageable"], deps.config.ironic.delete_timeout, AVAILABLE);
  } else if (rec?.source === "available" && state === "manageable") {
    await transition(deps, uuid, "provide", ["available"], deps.config.ironic.delete_timeout, MANAGEABLE);
  }
  await release(deps, uuid, rec, claim, opts.release);
  log.info({ source: rec?.source }, "node released");
  return { outcome: "released", node: uuid };
}

/** Lifts Ironic's protection (protected_reason goes with it), re-asserting our claim when we hold one. */
async function unprotect(deps: PoolDeps, uuid: string, claim: string | undefined): Promise<void> {
  deps.log.info({ node: uuid }, "lifting the protection of the BOSH VM's server for its undeploy");
  const off = [add("/protected", false)];
  if (claim) await deps.claims.update(uuid, claim, {}, off);
  else await deps.ironic.nodes.patch(uuid, off);
}

/** delete_vm's automated_clean: the disk hook may forbid cleaning (persistent disks live on the node). */
async function applyCleaningPolicy(deps: PoolDeps, node: Node): Promise<void> {
  const { automatedClean } = await deps.placement.beforeRelease(node);
  if (
    automatedClean === undefined ||
    node.automated_clean === automatedClean ||
    !deps.ironic.supports("automated_clean")
  )
    return;
  deps.log.info({ node: node.uuid, automated_clean: automatedClean }, "setting automated_clean for the undeploy");
  const claim = node.instance_uuid;
  if (claim) await deps.claims.update(node.uuid, claim, {}, [add("/automated_clean", automatedClean)]);
  else await deps.ironic.nodes.patch(node.uuid, [add("/automated_clean", automatedClean)]);
}

/** Waits out a transition in progress; a node still deploying cannot be undeployed yet. */
async function settle(deps: PoolDeps, uuid: string, state: string, rec: BoshRecord | undefined): Promise<string> {
  if (!MOVING.has(state)) return state;
  // A deploy in progress cannot be aborted, only waited out (it ends active, or failed by Ironic's own timeout).
  const timeoutS =
    (state === "deploying" ? (rec?.deploy_timeout ?? deps.config.ironic.deploy_timeout) : 0) +
    deps.config.ironic.delete_timeout;
  try {
    return (await waitForState(deps, uuid, SETTLED, timeoutS, `node ${uuid} to leave ${state}`)).provision_state ?? "";
  } catch (err) {
    if (err instanceof IronicStateError) return err.state;
    throw err;
  }
}

/** Removes our claim and record unless someone else's claim is on the node by now. */
async function release(
  deps: PoolDeps,
  uuid: string,
  rec: BoshRecord | undefined,
  claim: string | undefined,
  extras?: ReleaseExtras,
): Promise<void> {
  let now = await deps.ironic.nodes.find(uuid);
  if (!now) return;
  const current = boshRecord(now);
  if (now.instance_uuid && claim && now.instance_uuid !== claim) return; // re-claimed by another VM
  if (current && rec && current.claimed_at !== rec.claimed_at) return;
  if (extras?.maintenanceReason && !now.maintenance) {
    await deps.ironic.states.setMaintenance(uuid, extras.maintenanceReason);
    deps.log.error(
      { node: uuid, reason: extras.maintenanceReason },
      "server put into maintenance after repeated failed deploys",
    );
    now = { ...now, maintenance: true };
  }
  await deps.claims.release(uuid, undefined, { node: now, ops: extras?.ops ?? [] });
}

/** An enrolled node goes away with its ports; Ironic deletes only enroll/manageable/available nodes. */
async function deleteEnrolled(deps: PoolDeps, uuid: string, state: string, rec: BoshRecord): Promise<TeardownResult> {
  const now = await deps.ironic.nodes.find(uuid);
  if (!now) return { outcome: "gone", node: uuid };
  const current = boshRecord(now);
  if (current && current.claimed_at !== rec.claimed_at) return { outcome: "released", node: uuid };
  if (now.instance_uuid) await deps.ironic.nodes.patch(uuid, [{ op: "remove", path: "/instance_uuid" }]);
  try {
    await deps.ironic.nodes.delete(uuid);
  } catch (err) {
    if (err instanceof IronicNotFound) return { outcome: "gone", node: uuid };
    if (!(err instanceof IronicConflict) || state !== "available") throw err;
    // Ironic may be configured to refuse deleting available nodes: manage first.
    await transition(deps, uuid, "manage", ["manageable"], deps.config.ironic.delete_timeout, AVAILABLE);
    await deps.ironic.nodes.delete(uuid);
  }
  deps.log.info({ node: uuid }, "deleted the node BOSH had enrolled (and its ports)");
  return { outcome: "deleted", node: uuid };
}
