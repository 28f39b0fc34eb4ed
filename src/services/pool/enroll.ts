// Enrolling a server from vm_type `ironic_params` + `macs` when no node owns those MACs (the 2016 CPI's
// bosh_defined=2). The node is born claimed (instance_uuid + extra.bosh in the POST itself), gets one port
// per MAC, is validated by `manage` (power credentials) and optionally inspected; node-prep then cleans and
// provides it. The 2016 CPI left nodes half-created when a port failed and hid Ironic's error behind a
// format bug (#8); here a failed port deletes the node again and the error names the MAC.
import { randomUUID } from "node:crypto";
import type { IronicClient } from "../../ironic/client.ts";
import { IronicConflict } from "../../ironic/errors.ts";
import type { Node } from "../../ironic/node-schema.ts";
import { CloudError, VmCreationFailed } from "../../protocol/errors.ts";
import type { BoshRecord } from "../../selection/node-record.ts";
import { ENROLL, MANAGEABLE } from "../../ironic/provision-states.ts";
import { type PoolDeps, transition } from "./deps.ts";
import type { NodeSetup } from "./setup.ts";

/** The node to create (POST /v1/nodes fields, vm/cloud-properties.ts validates them), plus `inspect`. */
export interface EnrollParams {
  driver: string;
  inspect: boolean;
  uuid?: string | undefined;
  name?: string | undefined;
  extra?: Record<string, unknown> | undefined;
  [field: string]: unknown;
}

export interface EnrollInput {
  params: EnrollParams;
  macs: readonly string[];
  claim: string;
  record: BoshRecord;
  timeoutS: number;
  /** instance_info and automated_clean for the new node (node-setup.ts), written by the POST itself. */
  setup: NodeSetup;
}

/**
 * Creates node + ports and brings the node to `manageable` (inspected when asked). `onCreated` runs as soon
 * as the node exists, so the caller's undo (teardown: delete the enrolled node) is in place before ports.
 */
export async function enroll(deps: PoolDeps, input: EnrollInput, onCreated: (node: Node) => void): Promise<Node> {
  const { inspect, extra, ...body } = input.params;
  const stamp = deps.now().toISOString();
  // The node's UUID is chosen here so that a lost answer to the POST is settled by it (nodes.ts).
  const uuid = body.uuid ?? randomUUID();
  const record: BoshRecord = {
    ...input.record,
    vm_cid: input.claim,
    source: "enrolled",
    claimed_at: stamp,
    updated_at: stamp,
  };
  const { instanceInfo, fields } = input.setup;
  let node: Node;
  try {
    node = await deps.ironic.nodes.create({
      ...body,
      uuid,
      ...fields,
      instance_info: instanceInfo,
      instance_uuid: input.claim,
      extra: { ...extra, bosh: record },
    });
  } catch (err) {
    if (err instanceof IronicConflict)
      throw new VmCreationFailed(`cannot enroll ${describe(input)}: ${err.ironicMessage}`, true, { cause: err });
    throw new CloudError(`cannot enroll ${describe(input)}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  deps.log.info({ node: node.uuid, macs: input.macs }, "enrolled a new node");
  onCreated(node);
  await createPorts(deps.ironic, node.uuid, input.macs);
  await transition(deps, node.uuid, "manage", ["manageable"], input.timeoutS, ENROLL);
  if (inspect) await transition(deps, node.uuid, "inspect", ["manageable"], input.timeoutS, MANAGEABLE);
  return deps.ironic.nodes.get(node.uuid);
}

async function createPorts(ironic: IronicClient, nodeUuid: string, macs: readonly string[]): Promise<void> {
  for (const [i, mac] of macs.entries()) {
    try {
      await ironic.ports.create({ node_uuid: nodeUuid, address: mac, pxe_enabled: i === 0 });
    } catch (err) {
      // A duplicate MAC here means a concurrent create_vm enrolled the same server a moment earlier.
      if (err instanceof IronicConflict)
        throw new VmCreationFailed(`cannot create the port for ${mac}: ${err.ironicMessage}`, true, { cause: err });
      throw err;
    }
  }
}

function describe(input: EnrollInput): string {
  const name = input.params.name ? `, name ${input.params.name}` : "";
  return `a node for MACs ${input.macs.join(", ")} (driver ${input.params.driver}${name})`;
}
