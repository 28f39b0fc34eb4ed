// The persistent-disk service behind the disk actions. A disk is one whole device inside one server; its
// record lives on that server's Ironic node (devices/records.ts) and its cid names the node (devices/cid.ts), so
// every method here costs one GET plus at most one PATCH. Disks never move: attach refuses another server.
import { chooseUserData, UserDataError } from "../../agent/user-data.ts";
import { IronicBadRequest } from "../../ironic/errors.ts";
import type { Node } from "../../ironic/node-schema.ts";
import { add } from "../../ironic/patch.ts";
import { CloudError, DiskNotFound, VmNotFound } from "../../protocol/errors.ts";
import type { DiskHint, Metadata } from "../../protocol/shapes.ts";
import { boshRecord } from "../../selection/node-record.ts";
import { createOnVm, createReserved } from "./create.ts";
import { parseDiskCloudProperties } from "./cloud-properties.ts";
import type { Config } from "../../config/schema.ts";
import { parseDiskCid } from "../../devices/cid.ts";
import { type DiskDeps, type LoadedDisk, loadDisk, readVmNode, vmHolds } from "./deps.ts";
import { dropDisk, liveRecords, putDirty, releaseCleaningOps } from "../../devices/records.ts";
import { wipeFreeNode } from "./wipe.ts";

/** Which agent-settings copy attach/detach must keep in step: the registry's, for v1 stemcells. */
export interface AttachOptions {
  stemcellApiVersion?: number | undefined;
}

/**
 * Built without I/O: Ironic is connected (`deps`) only after the arguments were checked, so a malformed
 * disk_type, or a cid that names no disk of this CPI, is answered without a request to Ironic.
 */
export class Disks {
  constructor(
    private readonly config: Config,
    private readonly deps: () => Promise<DiskDeps>,
  ) {}

  /** Over dependencies already built (tests, tools). */
  static over(deps: DiskDeps): Disks {
    return new Disks(deps.config, async () => deps);
  }

  /** vm_cid null: the disk-first flow (a free server is reserved for the disk). */
  async create(sizeMib: number, cloudProperties: Record<string, unknown>, vmCid: string | null): Promise<string> {
    const props = parseDiskCloudProperties(cloudProperties, this.config.disks.persistent_devices);
    const deps = await this.deps();
    return vmCid ? createOnVm(deps, sizeMib, props, vmCid) : createReserved(deps, sizeMib, props);
  }

  async has(cid: string): Promise<boolean> {
    return (await this.load(cid)) !== undefined;
  }

  /** Idempotent; answers the v2 hint. */
  async attach(vmCid: string, cid: string, opts: AttachOptions = {}): Promise<DiskHint> {
    const { node, record } = await this.require(cid);
    const deps = await this.deps();
    if (!vmHolds(node, vmCid)) {
      // Not the VM on the disk's server: another server's VM, or no VM at all (one more lookup tells which).
      const vmNode = await readVmNode(deps, vmCid);
      if (!vmNode) throw new VmNotFound(`VM ${vmCid} not found: no Ironic node is held by it`);
      throw new CloudError(
        `disk ${cid} is a device inside server ${node.name ?? node.uuid} (node ${node.uuid}) and bare metal ` +
          `cannot move disks; ` +
          `VM ${vmCid} runs on server ${vmNode.name ?? vmNode.uuid}. Recreate the VM with this disk in ` +
          `disk_cids so that it lands on node ${node.uuid} ` +
          "(the director does so with update.vm_strategy delete-create; create-swap-delete cannot work with " +
          "local disks)",
      );
    }
    const hint: DiskHint = { path: record.path };
    if (record.attached && record.vm_cid === vmCid) {
      deps.log.info({ disk_cid: cid, vm_cid: vmCid }, "disk already attached");
    } else {
      const at = ["extra", "bosh_disks", cid];
      await deps.ironic.nodes.patch(node.uuid, [
        add([...at, "attached"], true),
        add([...at, "vm_cid"], vmCid),
        add([...at, "attached_at"], deps.now().toISOString()),
      ]);
      deps.log.info({ disk_cid: cid, vm_cid: vmCid, path: record.path }, "disk attached");
    }
    await this.registry(deps, vmCid, opts, (disks) => ({ ...disks, [cid]: hint }));
    return hint;
  }

  /** A disk that is not attached, or does not exist, is not an error (contract §3.2). */
  async detach(vmCid: string, cid: string, opts: AttachOptions = {}): Promise<void> {
    const disk = await this.load(cid);
    if (!disk && !this.usesRegistry(opts)) return; // nothing to detach, nothing to tell the registry
    const deps = await this.deps();
    if (!disk) {
      deps.log.warn({ disk_cid: cid, vm_cid: vmCid }, "detach_disk: no such disk; nothing to detach");
    } else if (!disk.record.attached || disk.record.vm_cid !== vmCid) {
      deps.log.info({ disk_cid: cid, vm_cid: vmCid }, "detach_disk: disk is not attached to this VM");
    } else {
      await deps.ironic.nodes.patch(disk.node.uuid, [add(["extra", "bosh_disks", cid, "attached"], false)]);
      deps.log.info({ disk_cid: cid, vm_cid: vmCid }, "disk detached");
    }
    await this.registry(deps, vmCid, opts, (disks) =>
      Object.fromEntries(Object.entries(disks).filter(([k]) => k !== cid)),
    );
  }

  /**
   * Removes the record; the device becomes dirty. The last live disk gives automated_clean back; a node no VM
   * holds is wiped right away, a VM's node when the VM is released.
   */
  async delete(cid: string): Promise<void> {
    const { node, record } = await this.require(cid);
    const deps = await this.deps();
    const remaining = [...liveRecords(node).keys()].filter((c) => c !== cid);
    const dirty = { since: deps.now().toISOString(), disk_cid: cid };
    const ops = [
      dropDisk(cid),
      putDirty(node, record.device, dirty),
      ...(remaining.length === 0 ? releaseCleaningOps(node) : []),
    ];
    const reservation = boshRecord(node);
    const reserved = reservation?.phase === "reserved" && !!node.instance_uuid;
    if (reserved && remaining.length > 0)
      ops.push(
        add(
          ["extra", "bosh", "disk_cids"],
          (reservation.disk_cids ?? []).filter((c) => c !== cid),
        ),
      );
    let after: Node;
    try {
      after = await deps.ironic.nodes.patch(node.uuid, ops);
    } catch (err) {
      // `remove` of a missing record fails the whole patch: a concurrent delete_disk got there first.
      if (err instanceof IronicBadRequest && !(await loadDisk(deps, cid)))
        throw new DiskNotFound(`disk ${cid} not found (deleted meanwhile)`);
      throw err;
    }
    deps.log.info(
      { disk_cid: cid, node: node.uuid, device: record.device },
      "persistent disk deleted; its device is dirty until wiped",
    );
    if (remaining.length > 0) return;
    if (reserved || !node.instance_uuid)
      await wipeFreeNode(deps, after, reserved ? (node.instance_uuid ?? undefined) : undefined);
    else deps.log.info({ node: node.uuid }, "a VM holds the node: the device is wiped when the VM is released");
  }

  /** Attached disks of the VM, [] when none. */
  async attached(vmCid: string): Promise<string[]> {
    const deps = await this.deps();
    const node = await readVmNode(deps, vmCid);
    if (!node) throw new VmNotFound(`VM ${vmCid} not found`);
    return [...liveRecords(node)]
      .filter(([, r]) => r.attached)
      .map(([cid]) => cid)
      .sort();
  }

  /** Stored on the record, merged over what is there; failures other than "no such disk" are only logged. */
  async setMetadata(cid: string, metadata: Metadata): Promise<void> {
    const { node, record } = await this.require(cid);
    const deps = await this.deps();
    try {
      await deps.ironic.nodes.patch(node.uuid, [
        add(["extra", "bosh_disks", cid, "metadata"], { ...record.metadata, ...metadata }),
      ]);
    } catch (err) {
      deps.log.warn({ err, disk_cid: cid }, "set_disk_metadata failed (best effort, ignored)");
    }
  }

  /** undefined without asking Ironic when the cid is not of this CPI's making. */
  private async load(cid: string): Promise<LoadedDisk | undefined> {
    return parseDiskCid(cid) ? loadDisk(await this.deps(), cid) : undefined;
  }

  private async require(cid: string): Promise<LoadedDisk> {
    const disk = await this.load(cid);
    if (!disk) throw new DiskNotFound(`disk ${cid} not found`);
    return disk;
  }

  /** v1 stemcells read settings from the registry (registry.mode, stemcell api_version < 2). */
  private usesRegistry(opts: AttachOptions): boolean {
    try {
      return chooseUserData(opts.stemcellApiVersion, this.config.registry).kind === "registry";
    } catch (err) {
      if (err instanceof UserDataError) return false; // no endpoint: create_vm refused such VMs already
      throw err;
    }
  }

  /** Keeps the registry's disks.persistent in step with attach/detach. */
  private async registry(
    deps: DiskDeps,
    vmCid: string,
    opts: AttachOptions,
    update: (disks: Record<string, DiskHint>) => Record<string, DiskHint>,
  ) {
    if (!this.usesRegistry(opts)) return;
    if (!deps.settings) {
      deps.log.warn(
        { vm_cid: vmCid },
        "the registry is in use but no settings store is wired: disks.persistent not updated",
      );
      return;
    }
    await deps.settings.updatePersistentDisks(vmCid, update);
  }
}
