// /v1/ports (API reference "Ports"). Never /v1/nodes/<NAME>/ports: Ironic 21.4 answers it with
// 404 "Portgroup None could not be found"; ?node_uuid= / ?node= work for UUIDs and names.
import * as z from "zod";
import { listAll, type PageOptions } from "./pagination.ts";
import type { Transport } from "./transport.ts";

export const Port = z.object({
  uuid: z.string(),
  /** Lower-case MAC, as Ironic normalises it. */
  address: z.string(),
  node_uuid: z.string().nullish(),
  pxe_enabled: z.boolean().nullish(),
  physical_network: z.string().nullish(),
  extra: z.record(z.string(), z.unknown()).nullish(),
});
export type Port = z.infer<typeof Port>;

const PORT_FIELDS = Object.keys(Port.shape).join(",");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ListPortsOptions extends PageOptions {
  /** MAC address. */
  address?: string;
  /** Node UUID or name. */
  node?: string;
}

/** GET /v1/ports?fields=… (API ref "List Ports"), following `next`. */
export async function listPorts(t: Transport, opts: ListPortsOptions = {}): Promise<Port[]> {
  const { node, address, pageSize } = opts;
  const byNode = node === undefined ? {} : UUID.test(node) ? { node_uuid: node } : { node };
  return listAll(t, "ports", "ports", Port, { ...byNode, address, fields: PORT_FIELDS }, pageSize ? { pageSize } : {});
}

/** Ports with this MAC: [] when no node owns it, at most one otherwise (MACs are unique). */
export function listPortsByAddress(t: Transport, mac: string): Promise<Port[]> {
  return listPorts(t, { address: mac });
}

/** Ports of one node, by UUID or name. */
export function listPortsByNode(t: Transport, node: string): Promise<Port[]> {
  return listPorts(t, { node });
}

export interface PortCreate {
  node_uuid: string;
  address: string;
  pxe_enabled?: boolean;
  physical_network?: string;
  extra?: Record<string, unknown>;
  local_link_connection?: Record<string, unknown>;
}

/** POST /v1/ports (API ref "Create Port"): 201; 409 duplicate MAC; 400 malformed MAC. */
export async function createPort(t: Transport, body: PortCreate): Promise<Port> {
  // MACs are unique: a lost answer is settled by looking the address up.
  const landed = async () => {
    const port = (await listPortsByAddress(t, body.address)).find((p) => p.node_uuid === body.node_uuid);
    return port !== undefined && { result: port };
  };
  return t.post("ports", { schema: Port, json: body, landed });
}
