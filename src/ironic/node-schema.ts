// The node as the CPI reads it (API reference "Nodes" → "Show Node Details"). Only these fields are parsed;
// z.object strips the rest — deliberately including `driver_info`, which may hold BMC passwords and must never
// reach a log line or an error.
import * as z from "zod";
import type { Feature } from "./microversions.ts";

const JsonObject = z.record(z.string(), z.unknown());

export const Node = z.object({
  uuid: z.string(),
  name: z.string().nullish(),
  provision_state: z.string().nullish(),
  target_provision_state: z.string().nullish(),
  /** null on fake-hardware until the first PUT states/power. */
  power_state: z.string().nullish(),
  target_power_state: z.string().nullish(),
  maintenance: z.boolean().nullish(),
  maintenance_reason: z.string().nullish(),
  fault: z.string().nullish(),
  retired: z.boolean().nullish(),
  instance_uuid: z.string().nullish(),
  instance_info: JsonObject.nullish(),
  extra: JsonObject.nullish(),
  properties: JsonObject.nullish(),
  resource_class: z.string().nullish(),
  conductor_group: z.string().nullish(),
  owner: z.string().nullish(),
  lessee: z.string().nullish(),
  shard: z.string().nullish(),
  traits: z.array(z.string()).nullish(),
  driver: z.string().nullish(),
  last_error: z.string().nullish(),
  automated_clean: z.boolean().nullish(),
  /** Single-node GET only: `fields=allocation_uuid` on the list is a 500 in Ironic 21.4. */
  allocation_uuid: z.string().nullish(),
  network_data: JsonObject.nullish(),
  description: z.string().nullish(),
  /** Undeploy, rebuild and delete refused while true (set only in active or rescue). */
  protected: z.boolean().nullish(),
  protected_reason: z.string().nullish(),
  /** Ironic never powers such a server off (reboots instead). */
  disable_power_off: z.boolean().nullish(),
  /** The BMC's view of the server (API 1.109): "OK", "Warning", "Critical", or null when unknown. */
  health: z.string().nullish(),
  /** Conductor host holding the node lock, or null. */
  reservation: z.string().nullish(),
  /** Full bodies only: `fields=updated_at` is a 400 "not a valid field" (list and single GET) in Ironic 21.4. */
  updated_at: z.string().nullish(),
  provision_updated_at: z.string().nullish(),
});
export type Node = z.infer<typeof Node>;
export type NodeField = keyof Node;

/** Fields newer than the client's floor (1.46) and the feature that brings each. */
export const NODE_FIELD_FEATURES: Partial<Record<NodeField, Feature>> = {
  automated_clean: "automated_clean",
  owner: "owner",
  description: "description",
  allocation_uuid: "allocations",
  network_data: "network_data",
  retired: "retired",
  lessee: "lessee",
  shard: "shard",
  protected: "protected",
  protected_reason: "protected",
  disable_power_off: "disable_power_off",
  health: "health",
};

/** Never valid in `fields=` (400), though present in full bodies. */
export const NODE_UNSELECTABLE: readonly NodeField[] = ["updated_at"];

/** Every parsed, selectable field except allocation_uuid, which list endpoints cannot return (500). */
export const NODE_LIST_FIELDS = (Object.keys(Node.shape) as NodeField[]).filter(
  (f) => f !== "allocation_uuid" && !NODE_UNSELECTABLE.includes(f),
);

/** Body of POST /v1/nodes: `driver` is required, anything else Ironic accepts may be passed through. */
export interface NodeCreate {
  driver: string;
  name?: string;
  uuid?: string;
  resource_class?: string;
  conductor_group?: string;
  owner?: string;
  description?: string;
  /** BMC credentials; sent, never logged, never parsed back. */
  driver_info?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  extra?: Record<string, unknown>;
  network_data?: Record<string, unknown>;
  automated_clean?: boolean;
  [field: string]: unknown;
}
