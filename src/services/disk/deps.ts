// What the disk services share, and the one way they find a disk: parse the cid, GET the node it names
// (one request, only the fields the disk books need), read the record keyed by the cid.
import type { Config } from "../../config/schema.ts";
import type { IronicClient } from "../../ironic/client.ts";
import type { Node, NodeField } from "../../ironic/node-schema.ts";
import type { Logger } from "../../log/index.ts";
import type { DiskHint } from "../../protocol/shapes.ts";
import { holdsVmCid } from "../../selection/node-record.ts";
import type { Claims } from "../pool/claims.ts";
import { parseDiskCid } from "../../devices/cid.ts";
import { DISK_NODE_FIELDS, type DiskRecord, diskRecords } from "../../devices/records.ts";
import { findVmNode } from "../pool/lookup.ts";

/** The registry's copy of agent settings (stemcells with api_version < 2): disks.persistent follows attach/detach. */
export interface PersistentDiskSettings {
  updatePersistentDisks(
    vmCid: string,
    update: (disks: Record<string, DiskHint>) => Record<string, DiskHint>,
  ): Promise<void>;
}

export interface DiskDeps {
  ironic: IronicClient;
  config: Config;
  log: Logger;
  now: () => Date;
  /** Disk-first reservations and wipes hold nodes with the VM claim mechanism. */
  claims: Claims;
  /** Absent until the registry service exists; attach/detach then log instead. */
  settings?: PersistentDiskSettings | undefined;
}

export interface LoadedDisk {
  cid: string;
  node: Node;
  record: DiskRecord;
}

export function diskNodeFields(deps: DiskDeps): NodeField[] {
  return DISK_NODE_FIELDS.filter((f) => f !== "automated_clean" || deps.ironic.supports("automated_clean"));
}

export function readNode(deps: DiskDeps, uuid: string): Promise<Node | undefined> {
  return deps.ironic.nodes.find(uuid, { fields: diskNodeFields(deps) });
}

/** The disk, or undefined when the cid is not ours, its node is gone or holds no such record. */
export async function loadDisk(deps: DiskDeps, cid: string): Promise<LoadedDisk | undefined> {
  const parts = parseDiskCid(cid);
  if (!parts) return undefined;
  const node = await readNode(deps, parts.nodeUuid);
  const record = node && diskRecords(node).get(cid);
  return node && record ? { cid, node, record } : undefined;
}

/** Is `node` held by the VM `vmCid` (vm/lookup.ts: the cid names the claim, not the node)? */
export function vmHolds(node: Node, vmCid: string): boolean {
  return holdsVmCid(node, vmCid.toLowerCase());
}

/** The node of the VM `vmCid` with the fields the disk books need, or undefined when no node is held by it. */
export function readVmNode(deps: DiskDeps, vmCid: string): Promise<Node | undefined> {
  return findVmNode(deps.ironic, vmCid, diskNodeFields(deps));
}
