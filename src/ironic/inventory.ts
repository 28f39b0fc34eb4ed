// /v1/nodes/{node}/inventory (API reference "Node inventory", API >= 1.81): the hardware an inspection
// found. Only the disks are typed; the rest of the document passes through untouched.
import * as z from "zod";
import { IronicNotFound } from "./errors.ts";
import { ident } from "./nodes.ts";
import type { Transport } from "./transport.ts";

/** One disk of the inventory, as ironic-python-agent reports it (size in bytes). */
export const InventoryDisk = z.looseObject({
  name: z.string().nullish(),
  size: z.coerce.number().nullish(),
  serial: z.string().nullish(),
  wwn: z.string().nullish(),
  wwn_with_extension: z.string().nullish(),
  by_path: z.string().nullish(),
});
export type InventoryDisk = z.infer<typeof InventoryDisk>;

const Inventory = z.looseObject({
  inventory: z.looseObject({ disks: z.array(InventoryDisk).default([]) }).optional(),
});

/**
 * The node's inventory disks; undefined when Ironic has no inventory for it (404: never inspected, as
 * fake-hardware nodes never are) or the negotiated API predates the resource.
 */
export async function getInventoryDisks(t: Transport, node: string): Promise<InventoryDisk[] | undefined> {
  if (!t.microversion.supports("inventory")) return undefined;
  try {
    return (await t.get(`nodes/${ident(node)}/inventory`, { schema: Inventory })).inventory?.disks;
  } catch (err) {
    if (err instanceof IronicNotFound) return undefined;
    throw err;
  }
}
