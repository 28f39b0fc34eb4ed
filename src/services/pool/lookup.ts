// Finding a VM's node from its cid. A VM cid names one provisioning, never a server: it is the claim's
// instance_uuid, which Ironic keeps unique and lists nodes by, and which delete_vm removes. So a deleted
// VM's cid resolves to nothing, whatever the server does next. Cids of VMs made before this identity are
// node UUIDs with extra.bosh.vm_cid equal to it; they still resolve (one more GET, only when the
// instance_uuid finds nothing) and never match a later VM, whose vm_cid is its own claim.
// Ironic clears instance_uuid when it undeploys, so a delete_vm killed after its undeploy leaves a record in
// phase "deleting" on a node no longer associated: findUnfinishedDelete finds it for the retry.
import type { IronicClient } from "../../ironic/client.ts";
import type { Node, NodeField } from "../../ironic/node-schema.ts";
import { boshRecord, holdsVm } from "../../selection/node-record.ts";
import { isUuid } from "./claim-id.ts";

const IDENTITY: readonly NodeField[] = ["uuid", "instance_uuid", "extra"];

/**
 * The node whose BOSH record belongs to the VM `vmCid`, in any phase (a delete_vm retried after a crash
 * finds its VM mid-teardown), or undefined.
 */
export async function findVmClaim(
  ironic: Pick<IronicClient, "nodes">,
  vmCid: string,
  fields?: readonly NodeField[],
): Promise<Node | undefined> {
  if (!isUuid(vmCid)) return undefined; // never let a cid resolve an Ironic node *name*
  const cid = vmCid.toLowerCase();
  const select = fields ? { fields: [...new Set([...IDENTITY, ...fields])] } : {};
  const [byClaim] = await ironic.nodes.list({ instance_uuid: cid, ...select });
  const node = byClaim ?? (await ironic.nodes.find(cid, select));
  if (!node?.instance_uuid || boshRecord(node)?.vm_cid !== cid) return undefined;
  return node.instance_uuid === cid || node.uuid === cid ? node : undefined;
}

/** The node the VM `vmCid` runs on (creating or created), or undefined when no node is held by that VM. */
export async function findVmNode(
  ironic: Pick<IronicClient, "nodes">,
  vmCid: string,
  fields?: readonly NodeField[],
): Promise<Node | undefined> {
  const node = await findVmClaim(ironic, vmCid, fields);
  return node && holdsVm(node) ? node : undefined;
}

/**
 * The node a killed delete_vm of `vmCid` left mid-teardown: Ironic's undeploy cleared instance_uuid, the
 * record (phase "deleting") is still there. One list of the unassociated nodes' records; only asked when
 * the claim itself is gone, i.e. for a retried delete_vm.
 */
export async function findUnfinishedDelete(
  ironic: Pick<IronicClient, "nodes">,
  vmCid: string,
): Promise<Node | undefined> {
  if (!isUuid(vmCid)) return undefined;
  const cid = vmCid.toLowerCase();
  const nodes = await ironic.nodes.list({ associated: false, fields: [...IDENTITY, "provision_state"] });
  const found = nodes.find((n) => {
    const rec = boshRecord(n);
    return rec?.phase === "deleting" && rec.vm_cid === cid;
  });
  return found && ironic.nodes.find(found.uuid);
}
