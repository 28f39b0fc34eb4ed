// Ironic's hardware inventory of an inspected node: GET /v1/nodes/{node}/inventory (API ≥ 1.81, API ref
// "Node inventory"). 404 when the node was never inspected (fake-hardware nodes never are): then capacity is
// unknown and create_disk accepts the device with a log line.
// NOTE: this belongs in src/ironic/ (a nodes sub-resource, with its feature in microversions.ts); it is here
// only because that client is owned by another change. Move it there when convenient.
import { z } from "zod";
import type { IronicClient } from "../ironic/client.ts";
import { IronicNotAcceptable, IronicNotFound } from "../ironic/errors.ts";
import { ident } from "../ironic/nodes.ts";
import { compareVersions } from "../ironic/microversions.ts";
import { InventoryDisk } from "./disk-devices.ts";

export const INVENTORY_VERSION = "1.81";

const Inventory = z.looseObject({
  inventory: z.looseObject({ disks: z.array(InventoryDisk).default([]) }).optional(),
});

/** The node's inventory disks, or undefined when Ironic has none (not inspected, or API < 1.81). */
export async function inventoryDisks(ironic: IronicClient, nodeUuid: string): Promise<InventoryDisk[] | undefined> {
  if (compareVersions(ironic.version, INVENTORY_VERSION) < 0) return undefined;
  try {
    const doc = await ironic.transport.get(`nodes/${ident(nodeUuid)}/inventory`, { schema: Inventory });
    return doc.inventory?.disks;
  } catch (err) {
    if (err instanceof IronicNotFound || err instanceof IronicNotAcceptable) return undefined;
    throw err;
  }
}
