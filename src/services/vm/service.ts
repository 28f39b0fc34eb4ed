// The VM service the actions use: create_vm (vm/create.ts), delete_vm, has_vm, reboot_vm, set_vm_metadata.
// vm_cid = the claim's instance_uuid (vm/lookup.ts): it names one provisioning, so a deleted VM's cid never
// reaches the server's next VM. A node is "held by BOSH" when extra.bosh says so and instance_uuid is set;
// nothing here ever touches a node that is not. Arguments are checked before anything connects to Ironic:
// a malformed request sends nothing.
import type { Config } from "../../config/schema.ts";
import { IronicNotFound } from "../../ironic/errors.ts";
import type { Node } from "../../ironic/node-schema.ts";
import { add } from "../../ironic/patch.ts";
import type { Logger } from "../../log/index.ts";
import { CloudError, VmNotFound } from "../../protocol/errors.ts";
import type { Metadata } from "../../protocol/shapes.ts";
import { type VmIdentity, boshRecord, protectedReason } from "../../selection/node-record.ts";
import { isUuid } from "../pool/claim-id.ts";
import { findUnfinishedDelete, findVmClaim, findVmNode } from "../pool/lookup.ts";
import { teardown } from "../pool/teardown.ts";
import { type CreateDeps, type CreateVmInput, type CreatedVm, createVm } from "./create.ts";
import { precheckCreateVm } from "./precheck.ts";

export type { CreateVmInput, CreatedVm } from "./create.ts";

export class VmService {
  /**
   * Built without I/O: Ironic is connected (`deps`, memoised by the composition root) only after the
   * arguments were checked.
   */
  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly deps: () => Promise<CreateDeps>,
  ) {}

  /** Over dependencies already built (tests, tools). */
  static over(deps: CreateDeps): VmService {
    return new VmService(deps.config, deps.log, async () => deps);
  }

  async create(input: CreateVmInput): Promise<CreatedVm> {
    const props = precheckCreateVm(this.config, input);
    return createVm(await this.deps(), input, props);
  }

  /**
   * Undeploys and gives the node back (available / manageable / deleted when BOSH enrolled it). A VM that is
   * gone (its claim released, the node re-used or removed) is success (logged): the director and the CLI
   * treat both alike and a second delete_vm must succeed. A delete_vm that died mid-teardown is finished.
   */
  async delete(vmCid: string): Promise<void> {
    const { ironic, settings } = await this.deps();
    const node = (await findVmClaim(ironic, vmCid)) ?? (await findUnfinishedDelete(ironic, vmCid));
    const rec = node && boshRecord(node);
    if (!node || !rec || rec.phase === "reserved") {
      this.log.info({ vm_cid: vmCid }, "delete_vm: no node is held by this VM (already deleted); nothing to do");
    } else {
      try {
        const result = await teardown(await this.deps(), node, { reason: "delete_vm" });
        this.log.info({ vm_cid: vmCid, node: node.uuid, outcome: result.outcome }, "VM deleted");
      } catch (err) {
        throw new CloudError(`delete_vm ${vmCid}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    if (!isUuid(vmCid)) return;
    await settings
      .remove(vmCid)
      .catch((err: unknown) => this.log.warn({ err, vm_cid: vmCid }, "could not remove the registry record"));
  }

  /** true iff a node is held by this VM; false when absent (never an error for that). */
  async has(vmCid: string): Promise<boolean> {
    if (!isUuid(vmCid)) return false;
    return (await findVmNode((await this.deps()).ironic, vmCid, ["uuid", "instance_uuid", "extra"])) !== undefined;
  }

  /** The node of a BOSH VM, or VmNotFound. */
  async require(vmCid: string): Promise<Node> {
    const node = isUuid(vmCid) ? await findVmNode((await this.deps()).ironic, vmCid) : undefined;
    if (!node)
      throw new VmNotFound(
        `VM ${vmCid} not found: no Ironic node is held by it (deleted, or never created by this CPI)`,
      );
    return node;
  }

  /** Power reboot through Ironic, waiting for `power on` (fake-hardware's deploy leaves nodes powered off). */
  async reboot(vmCid: string): Promise<void> {
    const node = await this.require(vmCid);
    const { ironic } = await this.deps();
    this.log.info({ node: node.uuid, power_state: node.power_state }, "rebooting");
    await ironic.states.power(node.uuid, "rebooting");
    const { poll, power_timeout } = this.config.ironic;
    await ironic.waitForNode(node.uuid, {
      until: (n) => n.power_state === "power on" && !n.target_power_state,
      timeoutMs: power_timeout * 1000,
      initialIntervalMs: poll.initial_interval_ms,
      maxIntervalMs: poll.max_interval_ms,
      fields: ["power_state", "target_power_state"],
    });
  }

  /**
   * Stores the metadata in extra.bosh.metadata (and description "deployment/instance_group/index") and
   * marks the VM acknowledged: the director (and create-env) send this right after create_vm, and a created
   * VM nobody acknowledges is released as unknown after the stale margin (selection/stale.ts). So a failure
   * to record it is an error (the director then deletes the VM), not a warning; a VM that is gone is ignored.
   */
  async setMetadata(vmCid: string, metadata: Metadata): Promise<void> {
    let node: Node;
    try {
      node = await this.require(vmCid);
    } catch (err) {
      if (!(err instanceof VmNotFound)) throw err;
      this.log.warn({ vm_cid: vmCid }, "set_vm_metadata: VM not found; ignored");
      return;
    }
    const { ironic, now } = await this.deps();
    // A plain PATCH, not a claim update: it must never re-add the instance_uuid of a VM deleted meanwhile.
    const ops = [add(["extra", "bosh", "metadata"], metadata)];
    if (!boshRecord(node)?.acknowledged_at) ops.push(add(["extra", "bosh", "acknowledged_at"], now().toISOString()));
    const description = describeVm(metadata);
    if (description && ironic.supports("description")) ops.push(add("/description", description));
    // The protection create_vm set now names the instance; a server an operator unprotected stays so.
    if (node.protected && ironic.supports("protected"))
      ops.push(add("/protected_reason", protectedReason({ vmCid, ...identityFromMetadata(metadata) })));
    try {
      await ironic.nodes.patch(node.uuid, ops);
    } catch (err) {
      if (err instanceof IronicNotFound || !(await findVmNode(ironic, vmCid, ["uuid"]))) {
        return void this.log.warn({ vm_cid: vmCid }, "set_vm_metadata: the VM was deleted meanwhile; ignored");
      }
      throw new CloudError(
        `set_vm_metadata ${vmCid}: could not record it on node ${node.uuid}: ` +
          `${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }
}

/** The director, deployment and instance the director's metadata names. */
function identityFromMetadata(m: Metadata): Omit<VmIdentity, "vmCid"> {
  const s = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : String(v));
  const group = s(m["instance_group"]) ?? s(m["job"]);
  const instance = s(m["name"]) ?? (group && s(m["index"]) !== undefined ? `${group}/${s(m["index"])}` : group);
  return { director: s(m["director"]), deployment: s(m["deployment"]), instance };
}

/** "cf/diego-cell/3", "cf/compiling golang-1.22" … from the director's metadata keys. */
export function describeVm(m: Metadata): string | undefined {
  const s = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : String(v));
  const group =
    s(m["instance_group"]) ?? s(m["job"]) ?? (s(m["compiling"]) ? `compiling ${s(m["compiling"])}` : undefined);
  const parts = [s(m["deployment"]), group, s(m["index"])].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join("/") : undefined;
}
