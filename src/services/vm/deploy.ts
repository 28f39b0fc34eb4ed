// The deploy of a claimed, available node whose instance_info the claim already wrote (node-setup.ts):
// `active` with the config drive inline and the vm_type's deploy steps, then adaptive polling until
// `active` (the 2016 CPI polled every 30 s, 40 times).
import type { Node } from "../../ironic/node-schema.ts";
import type { VmCloudProperties } from "./cloud-properties.ts";
import { type PoolDeps, waitForState } from "../pool/deps.ts";

export interface DeployInput {
  props: VmCloudProperties;
  /** gzip+base64 config-2 ISO */
  configDrive: string;
  timeoutS: number;
}

/** Deploys and waits for `active`; IronicStateError (deploy failed + last_error) / IronicTimeoutError otherwise. */
export async function deploy(deps: PoolDeps, node: Node, input: DeployInput): Promise<Node> {
  deps.log.info({ node: node.uuid }, "deploying");
  await deps.ironic.states.provision(node.uuid, "active", {
    configdrive: input.configDrive,
    ...(input.props.deploy_steps ? { deploy_steps: input.props.deploy_steps } : {}),
  });
  return waitForState(deps, node.uuid, ["active"], input.timeoutS, `deploy of node ${node.uuid}`);
}
