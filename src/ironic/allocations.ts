// /v1/allocations (API reference "Allocations", API ≥ 1.52). Ironic picks an available, unclaimed node
// matching resource_class/traits/candidate_nodes and sets its instance_uuid = allocation uuid. Nodes with
// power_state null (fresh fake-hardware) are skipped. An unsatisfiable request is still 201; it turns
// `state: error` with `last_error` asynchronously — wait with waitForAllocation.
import * as z from "zod";
import { listAll, type PageOptions } from "./pagination.ts";
import type { Transport } from "./transport.ts";

export const Allocation = z.object({
  uuid: z.string(),
  name: z.string().nullish(),
  /** "allocating" → "active" | "error" */
  state: z.string(),
  node_uuid: z.string().nullish(),
  last_error: z.string().nullish(),
  resource_class: z.string().nullish(),
  traits: z.array(z.string()).nullish(),
  candidate_nodes: z.array(z.string()).nullish(),
  extra: z.record(z.string(), z.unknown()).nullish(),
  owner: z.string().nullish(),
  updated_at: z.string().nullish(),
});
export type Allocation = z.infer<typeof Allocation>;

export interface AllocationCreate {
  resource_class: string;
  /** Each must match ^CUSTOM_[A-Z0-9_]+$ or a standard trait, else 400. */
  traits?: readonly string[];
  /** Node UUIDs or names; an unknown one is a 400. */
  candidate_nodes?: readonly string[];
  /** Unique; a duplicate is a 409. */
  name?: string;
  uuid?: string;
  extra?: Record<string, unknown>;
  owner?: string;
}

const path = (id: string) => `allocations/${encodeURIComponent(id)}`;

/** POST /v1/allocations (API ref "Create Allocation"): 201 with state "allocating". */
export async function createAllocation(t: Transport, body: AllocationCreate): Promise<Allocation> {
  t.microversion.require("allocations");
  return t.post("allocations", { schema: Allocation, json: body });
}

/** GET /v1/allocations/{allocation_id} by UUID or name (API ref "Show Allocation Details"). */
export async function getAllocation(
  t: Transport,
  id: string,
  opts: { fields?: readonly (keyof Allocation)[] } = {},
): Promise<Allocation> {
  t.microversion.require("allocations");
  const fields = opts.fields ? { fields: [...new Set(["uuid", "state", ...opts.fields])] } : {};
  return t.get(path(id), { schema: Allocation, query: fields });
}

/**
 * DELETE /v1/allocations/{allocation_id} (API ref "Delete Allocation"): frees the node's instance_uuid.
 * 409 when the node is active and not in maintenance (undeploying deletes the allocation instead).
 */
export async function deleteAllocation(t: Transport, id: string): Promise<void> {
  t.microversion.require("allocations");
  await t.delete(path(id));
}

export interface ListAllocationsOptions extends PageOptions {
  /** Node UUID or name; an unknown node is a 400. */
  node?: string;
  state?: string;
  resource_class?: string;
  owner?: string;
}

/** GET /v1/allocations (API ref "List Allocations"), following `next`. */
export async function listAllocations(t: Transport, opts: ListAllocationsOptions = {}): Promise<Allocation[]> {
  t.microversion.require("allocations");
  const { pageSize, ...filters } = opts;
  return listAll(t, "allocations", "allocations", Allocation, filters, pageSize ? { pageSize } : {});
}

/** The allocations of one node (0 or 1). */
export function listAllocationsByNode(t: Transport, node: string): Promise<Allocation[]> {
  return listAllocations(t, { node });
}
