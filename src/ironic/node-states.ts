// /v1/nodes/{node}/states/* and /maintenance (API reference "Node State Change", "Node Management").
// All answer 202 and act asynchronously: follow up with wait.ts.
import { getNode, ident } from "./nodes.ts";
import type { Transport } from "./transport.ts";

/** Verbs of PUT states/provision (not states): "deleted" undeploys, "provide" makes a manageable node available. */
export type ProvisionTarget =
  | "active"
  | "deleted"
  | "rebuild"
  | "manage"
  | "provide"
  | "inspect"
  | "clean"
  | "abort"
  | "adopt"
  | "rescue"
  | "unrescue"
  | "service"
  | "unhold";

export interface ProvisionOptions {
  /**
   * "active"/"rebuild" only. A string is a gzip+base64 ISO or a URL; an object
   * `{meta_data, network_data, user_data, vendor_data}` needs API ≥ 1.56 (Ironic builds the ISO).
   */
  configdrive?: string | Record<string, unknown>;
  /** "clean" (manual cleaning, API ≥ 1.15). */
  clean_steps?: readonly Record<string, unknown>[];
  /** "active"/"rebuild", API ≥ 1.69. */
  deploy_steps?: readonly Record<string, unknown>[];
  /** "clean"/"service", API ≥ 1.70. */
  disable_ramdisk?: boolean;
}

/** Where each verb takes a node (passing or ending); seeing one of them means the request landed. */
const RESULT_STATES: Partial<Record<ProvisionTarget, readonly string[]>> = {
  active: ["deploying", "wait call-back", "deploy failed", "active"],
  rebuild: ["deploying", "wait call-back", "deploy failed"],
  deleted: ["deleting", "cleaning", "clean wait", "clean failed", "available", "error"],
  manage: ["verifying", "manageable"],
  provide: ["cleaning", "clean wait", "clean failed", "available"],
  inspect: ["inspecting", "inspect wait", "inspect failed"],
  clean: ["cleaning", "clean wait", "clean failed"],
};

/** Did a provision request for `target` take effect on this node (read right after an unknown outcome)? */
export function provisionLanded(
  node: { provision_state?: string | null; target_provision_state?: string | null },
  target: ProvisionTarget,
): boolean {
  if (node.target_provision_state) return true; // a transition is under way: ours (another one would have refused ours)
  return RESULT_STATES[target]?.includes(node.provision_state ?? "") ?? false;
}

/**
 * PUT /v1/nodes/{node}/states/provision (API ref "Change Node Provision State"). 202; 400 for a target not
 * allowed in the current state or in maintenance. Never blindly repeated (a repeated transition meets the
 * node mid-way and fails with a misleading 400): after an answer of unknown outcome the node is read, and
 * the request sent again only when it did not take effect.
 */
export async function setProvisionState(
  t: Transport,
  id: string,
  target: ProvisionTarget,
  opts: ProvisionOptions = {},
): Promise<void> {
  const mv = t.microversion;
  if (opts.configdrive !== undefined && typeof opts.configdrive !== "string") mv.require("configdrive_json");
  if (opts.clean_steps !== undefined) mv.require("manual_cleaning");
  if (opts.deploy_steps !== undefined) mv.require("deploy_steps");
  if (opts.disable_ramdisk !== undefined) mv.require("disable_ramdisk");
  const landed = async () =>
    provisionLanded(await getNode(t, id, { fields: ["provision_state", "target_provision_state"] }), target) && {
      result: undefined,
    };
  await t.put(`nodes/${ident(id)}/states/provision`, { json: { target, ...opts }, idempotent: false, landed });
}

export type PowerTarget = "power on" | "power off" | "rebooting" | "soft power off" | "soft rebooting";

/**
 * PUT /v1/nodes/{node}/states/power (API ref "Change Node Power State"). 202. `timeoutS` and the soft
 * targets need API ≥ 1.27. fake-hardware nodes have power_state null until the first call.
 */
export async function setPowerState(
  t: Transport,
  id: string,
  target: PowerTarget,
  opts: { timeoutS?: number } = {},
): Promise<void> {
  if (opts.timeoutS !== undefined || target.startsWith("soft")) t.microversion.require("soft_power");
  const json = { target, ...(opts.timeoutS !== undefined ? { timeout: opts.timeoutS } : {}) };
  await t.put(`nodes/${ident(id)}/states/power`, { json });
}

/** PUT /v1/nodes/{node}/maintenance {reason} (API ref "Set Maintenance Flag"). 202. */
export async function setMaintenance(t: Transport, id: string, reason?: string): Promise<void> {
  await t.put(`nodes/${ident(id)}/maintenance`, { json: reason !== undefined ? { reason } : {} });
}
