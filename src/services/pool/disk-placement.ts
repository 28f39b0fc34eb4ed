// The seam between VMs and persistent disks. Local disks never move, so the disks service decides where a
// VM with disk_cids must land and what happens to a node's disks when its VM goes away. The VM service calls
// these hooks; the disks service implements them (disk/node-disk-placement.ts).
// Selection itself already excludes nodes whose extra.bosh_disks hold live disks the VM does not name, and
// takes over a node reserved for exactly those disks (extra.bosh.phase "reserved").
import type { Node } from "../../ironic/node-schema.ts";

export interface ClaimedVm {
  vmCid: string;
  agentId: string;
  /** The instance_uuid the VM holds the node with. */
  claimUuid: string;
  diskCids: readonly string[];
}

export interface DiskPlacement {
  /**
   * The node (UUID) that holds these disks, or undefined when they impose no placement (none given, or
   * unknown to the disks service). Throwing a BoshError (e.g. DiskNotFound) fails create_vm before any claim.
   * `claimUuid`: this create_vm's claim, so that its own retry is not taken for another VM on the server.
   */
  nodeFor(diskCids: readonly string[], claimUuid?: string): Promise<string | undefined>;
  /** The VM now holds `node` (claimed, before deploy). Failing here rolls create_vm back. */
  onVmClaimed(node: Node, vm: ClaimedVm): Promise<void>;
  /**
   * delete_vm (or a rollback) is about to undeploy `node`. `automatedClean: false` keeps Ironic's automated
   * cleaning from erasing persistent disks that live on it; undefined keeps the VM's own setting.
   */
  beforeRelease(node: Node): Promise<{ automatedClean?: boolean }>;
}
