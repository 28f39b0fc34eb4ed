// Dirty devices (used by a deleted disk) are wiped by Ironic's automated cleaning before anyone gets them
// again, and marked clean only after a cleaning we know succeeded:
// - a node nobody holds: reserve it (the VM claim mechanism, so no create_vm takes it meanwhile), turn
//   automated_clean on, manage → provide (cleaning runs on provide), back to where it was, release;
// - a node a VM holds: the VM's release cleans it (DiskPlacement.beforeRelease asks for automated_clean
//   true when no live disk remains and records wipe_requested_at); settleWipes() confirms it later.
// A failed cleaning (clean failed) leaves the node in maintenance for the operator; the devices stay dirty.
import { CLEANABLE, IN_SERVICE } from "../../ironic/provision-states.ts";
import { IronicNodeAssociated, IronicStateError } from "../../ironic/errors.ts";
import type { Node } from "../../ironic/node-schema.ts";
import type { ProvisionTarget } from "../../ironic/node-states.ts";
import { type JsonPatchOp, add, remove } from "../../ironic/patch.ts";
import { boshRecord } from "../../selection/node-record.ts";
import { uuidV5 } from "../pool/claim-id.ts";
import { type DiskDeps, readNode } from "./deps.ts";
import { type DirtyDevice, cleanHold, dirtyDevices, dropDirty, liveRecords, putDirty } from "../../devices/records.ts";

export type WipeOutcome = "wiped" | "failed" | "skipped";

/** Wipes the dirty devices of a node that no VM holds and that holds no live disk. */
export async function wipeFreeNode(deps: DiskDeps, node: Node, reservedWith?: string): Promise<WipeOutcome> {
  const log = deps.log.child({ node: node.uuid });
  const dirty = dirtyDevices(node);
  const from = node.provision_state ?? "";
  if (liveRecords(node).size > 0) return "skipped";
  if (
    dirty.size === 0 ||
    node.maintenance ||
    !CLEANABLE.has(from) ||
    (node.instance_uuid && node.instance_uuid !== reservedWith)
  ) {
    if (dirty.size > 0)
      log.warn(
        { provision_state: from, maintenance: node.maintenance },
        "dirty devices stay dirty: the node is not free to clean now; they are wiped at its next release",
      );
    if (reservedWith) await deps.claims.release(node.uuid, reservedWith); // a reservation without disks holds nothing
    return "skipped";
  }
  const claim = reservedWith ?? uuidV5(`bosh-disk-wipe:${node.uuid}`);
  const stamp = deps.now().toISOString();
  const requested = [...dirty].map(([device, e]) =>
    putDirty(node, device, {
      ...e,
      wipe_requested_at: stamp,
      wipe_requested_stamp: node.provision_updated_at ?? null,
    }),
  );
  try {
    await deps.claims.claim(
      node.uuid,
      claim,
      {
        phase: "reserved",
        reservation: `wiping devices of deleted persistent disks: ${[...dirty.keys()].join(", ")}`,
        disk_cids: [],
        restore: { automated_clean: node.automated_clean ?? null },
      },
      [...requested, add("/automated_clean", true)],
    );
  } catch (err) {
    if (err instanceof IronicNodeAssociated) return "skipped"; // a VM took it first: its release wipes
    throw err;
  }
  log.info({ devices: [...dirty.keys()] }, "wiping dirty devices with Ironic automated cleaning (manage, provide)");
  try {
    if (from === "available") await transition(deps, node.uuid, "manage", "manageable");
    await transition(deps, node.uuid, "provide", "available");
    if (from === "manageable") await transition(deps, node.uuid, "manage", "manageable");
  } catch (err) {
    // A failed cleaning is the node's problem (maintenance, operator); anything else (a timeout, Ironic gone)
    // is reported after the reservation is dropped, so no node stays held by a wipe nobody watches.
    const state = err instanceof IronicStateError;
    await wipeFailed(deps, node.uuid, state ? (err.lastError ?? err.message) : (err as Error).message, state);
    if (!state) throw err;
    return "failed";
  }
  await markWiped(deps, node.uuid, stamp);
  await deps.claims.release(node.uuid, claim); // puts automated_clean back (restore), drops the reservation
  log.info("dirty devices wiped");
  return "wiped";
}

async function transition(deps: DiskDeps, uuid: string, target: ProvisionTarget, until: string): Promise<void> {
  const { poll, delete_timeout } = deps.config.ironic;
  await deps.ironic.states.provision(uuid, target);
  await deps.ironic.waitForNode(uuid, {
    until: (n) => n.provision_state === until && !n.target_provision_state,
    timeoutMs: delete_timeout * 1000,
    initialIntervalMs: poll.initial_interval_ms,
    maxIntervalMs: poll.max_interval_ms,
    fields: ["target_provision_state", "maintenance"],
    onTransition: (a, b) => deps.log.info({ node: uuid, from: a, to: b }, `node ${uuid}: ${a} -> ${b}`),
  });
}

/** Drops the dirty entries whose wipe was requested at or before `requestedAt`'s cleaning. */
async function markWiped(deps: DiskDeps, uuid: string, requestedAt: string): Promise<void> {
  const node = await readNode(deps, uuid);
  if (!node) return;
  const ops = [...dirtyDevices(node)]
    .filter(([, e]) => e.wipe_requested_at && e.wipe_requested_at <= requestedAt)
    .map(([dev]) => dropDirty(dev));
  if (ops.length > 0) await deps.ironic.nodes.patch(uuid, ops);
}

/** Cleaning failed: the node goes to maintenance for the operator; reservation dropped, devices stay dirty. */
async function wipeFailed(deps: DiskDeps, uuid: string, why: string, maintenance: boolean): Promise<void> {
  const node = await readNode(deps, uuid);
  if (!node) return;
  const ops: JsonPatchOp[] = [...dirtyDevices(node)].map(([dev, e]) => putDirty(node, dev, failed(e, why)));
  if (node.instance_uuid) ops.push(remove("/instance_uuid"));
  if (boshRecord(node)) ops.push(remove("/extra/bosh"));
  // automated_clean stays true: an operator's manage + provide then cleans again before the node is used.
  await deps.ironic.nodes.patch(uuid, ops);
  if (maintenance && !node.maintenance)
    await deps.ironic.states.setMaintenance(
      uuid,
      `bosh: cleaning (wipe of deleted persistent disks) failed: ${why}`.slice(0, 250),
    );
  deps.log.error(
    { node: uuid, last_error: why },
    "wiping dirty devices failed: node left in maintenance for the operator; devices stay dirty",
  );
}

function failed(e: DirtyDevice, why: string): DirtyDevice {
  const { wipe_requested_at: _, ...rest } = e;
  return { ...rest, wipe_failed: why.slice(0, 250) };
}

/**
 * Confirms wipes a VM release asked for (beforeRelease): once the node is back in service after the request
 * (its provision state moved on, no failure, not in maintenance) the cleaning on undeploy succeeded. A node
 * seen in `clean failed` turns the request into wipe_failed. The caller patches `ops`.
 */
export function settleWipes(node: Node): { ops: JsonPatchOp[]; wiped: Set<string>; failed: Map<string, DirtyDevice> } {
  const ops: JsonPatchOp[] = [];
  const wiped = new Set<string>();
  const failedNow = new Map<string, DirtyDevice>();
  let restore: boolean | null | undefined;
  const state = node.provision_state ?? "";
  for (const [dev, e] of dirtyDevices(node)) {
    if (!e.wipe_requested_at) continue;
    if (state === "clean failed") {
      failedNow.set(dev, failed(e, node.last_error ?? "clean failed"));
      ops.push(putDirty(node, dev, failedNow.get(dev)!));
    } else if (!node.maintenance && IN_SERVICE.has(state) && movedSince(node, e)) {
      ops.push(dropDirty(dev));
      wiped.add(dev);
      if (e.automated_clean_before !== undefined) restore = e.automated_clean_before;
    }
  }
  // The cleaning was ours; the node's own setting comes back (unless live disks hold it off meanwhile).
  if (
    restore !== undefined &&
    wiped.size === dirtyDevices(node).size &&
    !cleanHold(node) &&
    node.automated_clean !== restore
  ) {
    ops.push(add("/automated_clean", restore));
  }
  return { ops, wiped, failed: failedNow };
}

/**
 * Did the node's provision state change after the wipe was asked? Its provision_updated_at must differ
 * from the one seen at the request, and not lie before the request's second (whole-second databases);
 * records from before the stamp was kept compare clocks.
 */
function movedSince(node: Node, e: DirtyDevice): boolean {
  const moved = Date.parse(node.provision_updated_at ?? "");
  const requested = Date.parse(e.wipe_requested_at ?? "");
  if (e.wipe_requested_stamp === undefined) return moved > requested;
  return (node.provision_updated_at ?? null) !== e.wipe_requested_stamp && moved >= Math.floor(requested / 1000) * 1000;
}
