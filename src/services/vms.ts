// The VM service the actions use: create_vm (vm-create.ts), delete_vm, has_vm, reboot_vm, set_vm_metadata.
// vm_cid = the Ironic node UUID (as in the 2016 CPI). A node is "held by BOSH" when extra.bosh says so
// and instance_uuid is set; nothing here ever touches a node that is not. Arguments are checked before
// anything connects to Ironic: a malformed request sends nothing.
import type { Config } from "../config/schema.ts";
import { IronicNotFound } from "../ironic/errors.ts";
import type { Node } from "../ironic/node-schema.ts";
import { add } from "../ironic/patch.ts";
import type { Logger } from "../log/index.ts";
import { CloudError, VmNotFound } from "../protocol/errors.ts";
import type { Metadata } from "../protocol/shapes.ts";
import { boshRecord, holdsVm } from "../selection/node-record.ts";
import { isUuid } from "./claim-id.ts";
import { once } from "./lazy.ts";
import { type CreateDeps, type CreateVmInput, type CreatedVm, createVm } from "./vm-create.ts";
import { precheckCreateVm } from "./vm-precheck.ts";
import { teardown } from "./vm-teardown.ts";

export type { CreateVmInput, CreatedVm } from "./vm-create.ts";

export class VmService {
  /** Built on first use (the Ironic client negotiates its microversion). */
  private readonly deps: () => Promise<CreateDeps>;
  private readonly config: Config;
  private readonly log: Logger;

  /** `new VmService(deps)` with ready dependencies, or `(config, log, build)` to connect on first use. */
  constructor(deps: CreateDeps);
  constructor(config: Config, log: Logger, deps: CreateDeps | (() => Promise<CreateDeps>));
  constructor(first: CreateDeps | Config, log?: Logger, deps?: CreateDeps | (() => Promise<CreateDeps>)) {
    const ready = "claims" in first ? first : undefined;
    const source = ready ?? deps!;
    this.config = ready?.config ?? (first as Config);
    this.log = ready?.log ?? log!;
    this.deps = typeof source === "function" ? once(source) : async () => source;
  }

  async create(input: CreateVmInput): Promise<CreatedVm> {
    const props = precheckCreateVm(this.config, input);
    return createVm(await this.deps(), input, props);
  }

  /**
   * Undeploys and gives the node back (available / manageable / deleted when BOSH enrolled it). A node that
   * is gone, or no longer held by BOSH, is success (logged): the director and the CLI treat both alike and a
   * second delete_vm must succeed. A node still reserved for a disk is not a VM and is left alone.
   */
  async delete(vmCid: string): Promise<void> {
    const node = isUuid(vmCid) ? await (await this.deps()).ironic.nodes.find(vmCid) : undefined;
    const rec = node && boshRecord(node);
    if (!node || !rec || rec.phase === "reserved") {
      this.log.info({ vm_cid: vmCid, exists: !!node, phase: rec?.phase }, "delete_vm: no BOSH VM on this node (already deleted); nothing to do");
    } else {
      try {
        const result = await teardown(await this.deps(), node, { reason: "delete_vm" });
        this.log.info({ vm_cid: vmCid, outcome: result.outcome }, "VM deleted");
      } catch (err) {
        throw new CloudError(`delete_vm ${vmCid}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    if (!isUuid(vmCid)) return;
    await (await this.deps()).settings.remove(vmCid).catch((err: unknown) => this.log.warn({ err, vm_cid: vmCid }, "could not remove the registry record"));
  }

  /** true iff the node exists and a BOSH VM holds it; false when absent (never an error for that). */
  async has(vmCid: string): Promise<boolean> {
    if (!isUuid(vmCid)) return false; // never let a cid resolve an Ironic node *name*
    const node = await (await this.deps()).ironic.nodes.find(vmCid, { fields: ["uuid", "instance_uuid", "extra"] });
    return !!node && holdsVm(node);
  }

  /** The node of a BOSH VM, or VmNotFound. */
  async require(vmCid: string): Promise<Node> {
    const node = isUuid(vmCid) ? await (await this.deps()).ironic.nodes.find(vmCid) : undefined;
    if (!node || !holdsVm(node)) throw new VmNotFound(`VM ${vmCid} not found: no Ironic node with that UUID is held by BOSH`);
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

  /** Best effort: extra.bosh.metadata and description "deployment/instance_group/index"; failures are logged. */
  async setMetadata(vmCid: string, metadata: Metadata): Promise<void> {
    try {
      const node = await this.require(vmCid);
      const { ironic } = await this.deps();
      const ops = [add(["extra", "bosh", "metadata"], metadata)];
      const description = describeVm(metadata);
      if (description && ironic.supports("description")) ops.push(add("/description", description));
      await ironic.nodes.patch(node.uuid, ops);
    } catch (err) {
      if (err instanceof IronicNotFound || err instanceof VmNotFound) this.log.warn({ vm_cid: vmCid }, "set_vm_metadata: VM not found; ignored");
      else this.log.warn({ err, vm_cid: vmCid }, "set_vm_metadata failed; ignored (metadata is informational)");
    }
  }
}

/** "cf/diego-cell/3", "cf/compiling golang-1.22" … from the director's metadata keys. */
export function describeVm(m: Metadata): string | undefined {
  const s = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : String(v));
  const group = s(m["instance_group"]) ?? s(m["job"]) ?? (s(m["compiling"]) ? `compiling ${s(m["compiling"])}` : undefined);
  const parts = [s(m["deployment"]), group, s(m["index"])].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join("/") : undefined;
}
