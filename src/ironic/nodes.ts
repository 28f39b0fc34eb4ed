// /v1/nodes (API reference "Nodes"). Node identifiers may be a UUID or a name everywhere below.
import { IronicNotFound } from "./errors.ts";
import type { Feature } from "./microversions.ts";
import {
  NODE_FIELD_FEATURES,
  NODE_LIST_FIELDS,
  NODE_UNSELECTABLE,
  Node,
  type NodeCreate,
  type NodeField,
} from "./node-schema.ts";
import { listAll, type PageOptions } from "./pagination.ts";
import { type JsonPatchOp, patchApplied } from "./patch.ts";
import type { NodeScope, Transport } from "./transport.ts";

export interface NodeFilters {
  provision_state?: string;
  maintenance?: boolean;
  /** true: only nodes with an instance_uuid; false: only free ones. */
  associated?: boolean;
  resource_class?: string;
  conductor_group?: string;
  /** API ≥ 1.50 */
  owner?: string;
  /** API ≥ 1.65 */
  lessee?: string;
  /** API ≥ 1.82 */
  shard?: string;
  instance_uuid?: string;
  driver?: string;
  /** API ≥ 1.42, e.g. "power failure" */
  fault?: string;
}

export interface ListNodesOptions extends NodeFilters, PageOptions {
  /** Defaults to every field of the Node schema the pinned version has; `uuid` is always added. */
  fields?: readonly NodeField[];
  sort_key?: string;
  sort_dir?: "asc" | "desc";
}

const FILTER_FEATURES: Partial<Record<keyof NodeFilters, Feature>> = {
  owner: "owner",
  fault: "fault",
  lessee: "lessee",
  shard: "shard",
};

/** The scope's filters added (nodes outside it are never listed); undefined: the caller asks for none of them. */
function scoped(t: Transport, filters: NodeFilters): NodeFilters | undefined {
  const out: NodeFilters = { ...filters };
  for (const [key, value] of Object.entries(t.scope) as [keyof NodeScope, string | undefined][]) {
    if (value === undefined) continue;
    if (out[key] !== undefined && out[key] !== value) return undefined;
    out[key] = value;
  }
  return out;
}

/** The scope fields a node misses, e.g. ["shard"]; a single GET answers such a node as not found. */
function outsideScope(t: Transport, node: Node): (keyof NodeScope)[] {
  return (Object.entries(t.scope) as [keyof NodeScope, string | undefined][])
    .filter(([key, value]) => value !== undefined && node[key] !== value)
    .map(([key]) => key);
}

const SCOPE_FIELDS: readonly (keyof NodeScope & NodeField)[] = ["shard", "owner", "lessee"];

export const ident = (id: string) => encodeURIComponent(id);

/**
 * GET /v1/nodes with filters and `fields=` (API ≥ 1.8), following `next` (API ref "List Nodes").
 * `allocation_uuid` is refused here: Ironic 21.4 answers `fields=allocation_uuid` on the list with a 500.
 */
export async function listNodes(t: Transport, opts: ListNodesOptions = {}): Promise<Node[]> {
  const { fields, pageSize, sort_key, sort_dir, ...asked } = opts;
  const filters = scoped(t, asked);
  if (!filters) return [];
  for (const key of Object.keys(filters) as (keyof NodeFilters)[]) {
    const feature = FILTER_FEATURES[key];
    if (feature && filters[key] !== undefined) t.microversion.require(feature);
  }
  if (fields?.includes("allocation_uuid")) {
    throw new RangeError("allocation_uuid cannot be listed (Ironic answers 500); GET the node instead");
  }
  const query = { ...filters, sort_key, sort_dir, fields: fieldList(t, fields ?? NODE_LIST_FIELDS, !fields) };
  return listAll(t, "nodes", "nodes", Node, query, { ...(pageSize ? { pageSize } : {}) });
}

/** GET /v1/nodes/{node} (API ref "Show Node Details"); `fields` optional, allocation_uuid allowed here. */
export async function getNode(t: Transport, id: string, opts: { fields?: readonly NodeField[] } = {}): Promise<Node> {
  const scopeFields = SCOPE_FIELDS.filter((f) => t.scope[f] !== undefined);
  const node = await fetchNode(t, id, opts.fields && [...opts.fields, ...scopeFields]);
  const outside = outsideScope(t, node);
  if (outside.length > 0) {
    const where = outside.map((k) => `${k} ${t.scope[k]}`).join(", ");
    throw new IronicNotFound({
      status: 404,
      method: "GET",
      url: `${t.rootUrl}v1/nodes/${ident(id)}`,
      ironicMessage: `Node ${id} is outside this client's ${where}.`,
    });
  }
  return node;
}

/** The node as Ironic has it, whatever the scope (to settle whether a request of ours landed). */
function fetchNode(t: Transport, id: string, fields?: readonly NodeField[]): Promise<Node> {
  const query = fields ? { fields: fieldList(t, fields, false) } : {};
  return t.get(`nodes/${ident(id)}`, { schema: Node, query });
}

/** getNode, but undefined instead of IronicNotFound. */
export async function findNode(t: Transport, id: string, opts: { fields?: readonly NodeField[] } = {}) {
  try {
    return await getNode(t, id, opts);
  } catch (err) {
    if (err instanceof IronicNotFound) return undefined;
    throw err;
  }
}

/** POST /v1/nodes (API ref "Create Node"); 201 with the node in `enroll` (API ≥ 1.11). 409 on a duplicate name. */
export async function createNode(t: Transport, asked: NodeCreate): Promise<Node> {
  // A node made here joins the scope, or it would vanish from this client's sight at once. The shard goes
  // into the POST; an owner or lessee the body does not name follows in a PATCH, since Ironic refuses them in
  // a POST from a caller without a project (noauth, a system-scoped admin).
  const body: NodeCreate = { ...asked };
  const later: JsonPatchOp[] = [];
  for (const key of SCOPE_FIELDS) {
    const want = t.scope[key];
    if (want === undefined) continue;
    if (body[key] !== undefined && body[key] !== want)
      throw new RangeError(`a node with ${key} ${String(body[key])} would be outside this client's ${key} ${want}`);
    if (key === "shard" || body[key] !== undefined) body[key] = want;
    else later.push({ op: "add", path: `/${key}`, value: want });
  }
  // A lost answer is settled by the node's name (or uuid), when the body gives one; without, it is final.
  const id = body.uuid ?? body.name;
  const landed = id
    ? async () => {
        const node = await fetchNode(t, id).catch((err: unknown) => {
          if (err instanceof IronicNotFound) return undefined;
          throw err;
        });
        return node !== undefined && node.driver === body.driver && { result: node };
      }
    : undefined;
  const node = await t.post("nodes", { schema: Node, json: body, ...(landed ? { landed } : {}) });
  if (later.length === 0) return node;
  try {
    return await patchNode(t, node.uuid, later);
  } catch (err) {
    // outside the scope, nobody using this client would ever see the node again
    await deleteNode(t, node.uuid).catch(() => undefined);
    throw err;
  }
}

/**
 * PATCH /v1/nodes/{node} with a JSON-patch list (API ref "Update Node"); answers the updated node.
 * Claims are `add /instance_uuid`: a second, different claim is IronicNodeAssociated. Pass idempotent: true
 * when repeating the list is harmless (a claim with the same UUID is). Otherwise an answer lost to a reset
 * or a 503 is settled by reading the node: sent again only when it does not show the patch yet.
 */
export async function patchNode(
  t: Transport,
  id: string,
  ops: readonly JsonPatchOp[],
  opts: { idempotent?: boolean } = {},
): Promise<Node> {
  const landed = async () => {
    const node = await fetchNode(t, id);
    return patchApplied(node, ops) && { result: node };
  };
  return t.patch(`nodes/${ident(id)}`, { schema: Node, json: ops, ...opts, landed });
}

/** DELETE /v1/nodes/{node} (API ref "Delete Node"); its ports go with it. 409 when active or claimed. */
export async function deleteNode(t: Transport, id: string): Promise<void> {
  await t.delete(`nodes/${ident(id)}`);
}

/** uuid first; with `dropUnsupported`, fields newer than the pinned version are left out, else required. */
function fieldList(t: Transport, fields: readonly NodeField[], dropUnsupported: boolean): string {
  const out = new Set<NodeField>(["uuid"]);
  for (const f of fields) {
    if (NODE_UNSELECTABLE.includes(f))
      throw new RangeError(`${f} cannot be selected with fields= (Ironic answers 400)`);
    const feature = NODE_FIELD_FEATURES[f];
    if (feature && !t.microversion.supports(feature)) {
      if (dropUnsupported) continue;
      t.microversion.require(feature);
    }
    out.add(f);
  }
  return [...out].join(",");
}
