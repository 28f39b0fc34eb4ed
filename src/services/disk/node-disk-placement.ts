// The disks' side of the VM lifecycle (the DiskPlacement seam of services/disk-placement.ts):
// - create_vm with disk_cids lands on the server holding them (disks never move);
// - a VM claiming a node with live disks keeps automated_clean off, so no provide/undeploy erases them;
// - releasing a node: live disks → no cleaning (a recreate keeps the data); only dirty devices → cleaning on
//   (the wipe), confirmed later by settleWipes (disk/wipe.ts).
import type { Node } from "../../ironic/node-schema.ts";
import { type JsonPatchOp, add } from "../../ironic/patch.ts";
import { IN_SERVICE } from "../../ironic/provision-states.ts";
import { CloudError, DiskNotFound, VmCreationFailed } from "../../protocol/errors.ts";
import { boshRecord, holdsVm } from "../../selection/node-record.ts";
import { type DiskDeps, loadDisk, readNode } from "./deps.ts";
import type { ClaimedVm, DiskPlacement } from "../pool/disk-placement.ts";
import { dirtyDevices, holdCleaningOps, liveRecords, putDirty } from "../../devices/records.ts";
import { settleWipes } from "./wipe.ts";

export class NodeDiskPlacement implements DiskPlacement {
  constructor(private readonly deps: DiskDeps) {}

  async nodeFor(diskCids: readonly string[], claimUuid?: string): Promise<string | undefined> {
    if (diskCids.length === 0) return undefined;
    const loaded = await Promise.all(diskCids.map(async (cid) => ({ cid, disk: await loadDisk(this.deps, cid) })));
    const missing = loaded.filter((l) => !l.disk).map((l) => l.cid);
    if (missing.length > 0)
      throw new DiskNotFound(
        `create_vm: disk(s) ${missing.join(", ")} not found, so there is no server to place the VM on`,
      );
    const nodes = [...new Set(loaded.map((l) => l.disk!.node.uuid))];
    if (nodes.length > 1) {
      throw new CloudError(
        `create_vm: disks ${diskCids.join(", ")} live on different servers (${nodes.join(", ")}); bare metal ` +
          `cannot move disks, so one VM cannot use them all`,
      );
    }
    const node = loaded[0]!.disk!.node;
    const what = `node ${node.uuid} (${node.name ?? "unnamed"}), which holds disk(s) ${diskCids.join(", ")},`;
    if (node.maintenance)
      throw new CloudError(`create_vm: ${what} is in maintenance and cannot take a VM until an operator clears it`);
    if (!IN_SERVICE.has(node.provision_state ?? ""))
      throw new CloudError(`create_vm: ${what} is in provision state "${node.provision_state}" and cannot take a VM`);
    if (holdsVm(node) && node.instance_uuid !== claimUuid) {
      // The director's create-swap-delete creates the new VM while the old one still runs; a local disk can
      // only ever be used by the server it is in, which the old VM holds.
      const holder = boshRecord(node)?.vm_cid ?? node.instance_uuid;
      throw new VmCreationFailed(
        `create_vm: ${what} is still held by VM ${holder}: a local persistent disk cannot move to another ` +
          `server, so the new VM can only be created after the old one is deleted. ` +
          "With the director's create-swap-delete strategy that never happens: set `update: {vm_strategy: " +
          "delete-create}` for this instance group (or deployment)",
        false,
      );
    }
    return node.uuid;
  }

  async onVmClaimed(claimed: Node, vm: ClaimedVm): Promise<void> {
    const node = (await readNode(this.deps, claimed.uuid)) ?? claimed;
    const live = liveRecords(node);
    const foreign = [...live.keys()].filter((cid) => !vm.diskCids.includes(cid));
    if (foreign.length > 0)
      throw new CloudError(
        `node ${node.uuid} holds persistent disks ${foreign.join(", ")} of another VM; refusing to put VM ` +
          `${vm.vmCid} on it`,
      );
    const absent = vm.diskCids.filter((cid) => !live.has(cid));
    if (absent.length > 0)
      throw new CloudError(`disk(s) ${absent.join(", ")} are not on node ${node.uuid}; bare metal cannot move disks`);
    const ops = [...settleWipes(node).ops, ...(live.size > 0 ? holdCleaningOps(node, this.deps.now()) : [])];
    if (ops.length > 0) await this.deps.ironic.nodes.patch(node.uuid, ops);
  }

  async beforeRelease(released: Node): Promise<{ automatedClean?: boolean }> {
    const node = (await readNode(this.deps, released.uuid)) ?? released;
    const live = liveRecords(node);
    const settled = settleWipes(node);
    const ops: JsonPatchOp[] = [...settled.ops];
    let answer: { automatedClean?: boolean } = {};
    if (live.size > 0) {
      // delete_vm may come with disks still attached: they are detached with the VM (contract §3.2).
      for (const [cid, r] of live) if (r.attached) ops.push(add(["extra", "bosh_disks", cid, "attached"], false));
      ops.push(...holdCleaningOps(node, this.deps.now()));
      answer = { automatedClean: false };
    } else {
      const stamp = this.deps.now().toISOString();
      const dirty = [...dirtyDevices(node)].filter(([dev]) => !settled.wiped.has(dev));
      const before = node.automated_clean ?? null;
      for (const [dev, e] of dirty)
        ops.push(
          putDirty(node, dev, {
            ...(settled.failed.get(dev) ?? e),
            wipe_requested_at: stamp,
            wipe_requested_stamp: node.provision_updated_at ?? null,
            automated_clean_before: before,
          }),
        );
      if (dirty.length > 0) answer = { automatedClean: true };
    }
    if (ops.length > 0) await this.deps.ironic.nodes.patch(node.uuid, ops);
    this.deps.log.info({ node: node.uuid, live_disks: [...live.keys()], ...answer }, "disks on the released node");
    return answer;
  }
}
