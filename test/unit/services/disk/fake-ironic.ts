// An in-memory Ironic for the disk services' unit tests: nodes with JSON-patch semantics as Ironic 21.4 has
// them (add creates or replaces, remove of a missing member is a 400 for the whole list, a second different
// instance_uuid is a 409 "associated"), provision verbs with instant transitions, and a request log.
import pino from "pino";
import type { IronicClient } from "../../../../src/ironic/client.ts";
import {
  IronicBadRequest,
  IronicNodeAssociated,
  IronicNotFound,
  IronicStateError,
} from "../../../../src/ironic/errors.ts";
import { compareVersions } from "../../../../src/ironic/microversions.ts";
import type { Node } from "../../../../src/ironic/node-schema.ts";
import type { JsonPatchOp } from "../../../../src/ironic/patch.ts";
import { Claims } from "../../../../src/services/claims.ts";
import type { DiskDeps } from "../../../../src/services/disk/deps.ts";
import { type Config, Config as ConfigSchema } from "../../../../src/config/schema.ts";
import { testConfig } from "../../../support/config.ts";

export type FakeNode = Node & { inventory?: unknown; failClean?: boolean };

const err = (Cls: typeof IronicBadRequest, status: number, method: string, msg: string) =>
  new Cls({ status, method, url: "fake", ironicMessage: msg });

function unescape(seg: string) {
  return seg.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Applies a JSON-patch to a copy; throws IronicBadRequest like Ironic. */
export function applyPatch(node: FakeNode, ops: readonly JsonPatchOp[]): FakeNode {
  const doc = structuredClone(node) as Record<string, unknown>;
  for (const op of ops) {
    // Ironic's patch schema: "'<path>' does not match '^(/[\\w-]+)+$'"
    if (!/^(\/[\w-]+)+$/.test(op.path))
      throw err(IronicBadRequest, 400, "PATCH", `Schema error for patch: '${op.path}' does not match '^(/[\\w-]+)+$'`);
    const segs = op.path.split("/").slice(1).map(unescape);
    const last = segs.pop()!;
    let parent: Record<string, unknown> = doc;
    for (const s of segs) {
      const next = parent[s];
      if (typeof next !== "object" || next === null)
        throw err(IronicBadRequest, 400, "PATCH", `can't reach ${op.path}`);
      parent = next as Record<string, unknown>;
    }
    if (
      op.path === "/instance_uuid" &&
      op.op !== "remove" &&
      doc["instance_uuid"] &&
      doc["instance_uuid"] !== op.value
    ) {
      throw err(
        IronicNodeAssociated,
        409,
        "PATCH",
        `Node ${node.uuid} is associated with instance ${String(doc["instance_uuid"])}.`,
      );
    }
    if (op.op === "remove") {
      if (!(last in parent) || (segs.length === 0 && parent[last] == null))
        throw err(IronicBadRequest, 400, "PATCH", `can't remove a non-existent object '${last}'`);
      if (segs.length === 0) parent[last] = null;
      else delete parent[last];
    } else {
      if (op.op === "replace" && !(last in parent))
        throw err(IronicBadRequest, 400, "PATCH", "can't replace a missing member");
      parent[last] = structuredClone(op.value);
    }
  }
  return doc as FakeNode;
}

export interface FakeIronic {
  client: IronicClient;
  nodes: Map<string, FakeNode>;
  /** "PATCH <uuid>", "GET <uuid>", "LIST", "PROVISION <uuid> <target>", "MAINTENANCE <uuid>" */
  calls: string[];
  add(node: Partial<FakeNode> & { uuid: string }): FakeNode;
  node(uuid: string): FakeNode;
}

export function fakeIronic(opts: { version?: string } = {}): FakeIronic {
  const version = opts.version ?? "1.82";
  const nodes = new Map<string, FakeNode>();
  const calls: string[] = [];
  const get = (id: string) => {
    const n = nodes.get(id);
    if (!n) throw err(IronicNotFound, 404, "GET", `Node ${id} could not be found.`);
    return n;
  };
  const stamp = () => new Date(Date.now() + calls.length).toISOString();
  const provision = async (id: string, target: string) => {
    calls.push(`PROVISION ${id} ${target}`);
    const n = get(id);
    const to: Record<string, string> = { manage: "manageable", deleted: "available", active: "active" };
    let state = target === "provide" ? (n.failClean && n.automated_clean ? "clean failed" : "available") : to[target];
    if (!state) throw err(IronicBadRequest, 400, "PUT", `bad target ${target}`);
    if (target === "deleted" && n.automated_clean && n.failClean) state = "clean failed";
    nodes.set(id, {
      ...n,
      provision_state: state,
      provision_updated_at: stamp(),
      last_error: state === "clean failed" ? "cleaning failed (fake)" : null,
    });
  };
  const client = {
    version,
    supports: (f: string) => f !== "automated_clean" || compareVersions(version, "1.47") >= 0,
    require: () => undefined,
    nodes: {
      inventoryDisks: async (id: string) => {
        calls.push(`GET nodes/${id}/inventory`);
        if (compareVersions(version, "1.81") < 0) return undefined;
        return (get(id).inventory as { disks?: unknown[] } | undefined)?.disks;
      },
      find: async (id: string) => {
        calls.push(`GET ${id}`);
        const n = nodes.get(id);
        return n && structuredClone(n);
      },
      get: async (id: string) => {
        calls.push(`GET ${id}`);
        return structuredClone(get(id));
      },
      list: async (q: {
        provision_state?: string;
        associated?: boolean;
        maintenance?: boolean;
        instance_uuid?: string;
      }) => {
        calls.push("LIST");
        return [...nodes.values()]
          .filter(
            (n) =>
              (q.provision_state === undefined || n.provision_state === q.provision_state) &&
              (q.associated === undefined || !!n.instance_uuid === q.associated) &&
              (q.maintenance === undefined || !!n.maintenance === q.maintenance),
          )
          .filter((n) => q.instance_uuid === undefined || n.instance_uuid === q.instance_uuid)
          .map((n) => structuredClone(n));
      },
      patch: async (id: string, ops: readonly JsonPatchOp[]) => {
        calls.push(`PATCH ${id}`);
        const next = applyPatch(get(id), ops);
        nodes.set(id, next);
        return structuredClone(next);
      },
    },
    states: {
      provision: provision,
      setMaintenance: async (id: string, reason?: string) => {
        calls.push(`MAINTENANCE ${id}`);
        nodes.set(id, { ...get(id), maintenance: true, maintenance_reason: reason ?? null });
      },
    },
    waitForNode: async (id: string, o: { until: (n: Node) => boolean }) => {
      const n = structuredClone(get(id));
      if (o.until(n)) return n;
      throw new IronicStateError(`node ${id}`, n.provision_state ?? "?", n.last_error ?? null);
    },
  } as unknown as IronicClient;
  return {
    client,
    nodes,
    calls,
    add(node) {
      const full: FakeNode = {
        provision_state: "available",
        maintenance: false,
        instance_uuid: null,
        extra: {},
        properties: {},
        automated_clean: null,
        ...node,
      };
      nodes.set(node.uuid, full);
      return full;
    },
    node: (uuid) => get(uuid),
  };
}

export const silent = pino({ level: "silent" });

export function diskDeps(
  fake: FakeIronic,
  over: Partial<DiskDeps> & { configOverrides?: Record<string, unknown> } = {},
): DiskDeps {
  const { configOverrides, ...rest } = over;
  const config: Config = ConfigSchema.parse({ ...testConfig(), ...(configOverrides ?? {}) });
  let t = Date.parse("2026-11-21T12:00:00Z");
  const now = () => new Date((t += 1000));
  return {
    ironic: fake.client,
    config,
    log: silent,
    now,
    claims: new Claims({ ironic: fake.client, log: silent, now }),
    ...rest,
  };
}

/** The cid of the VM vmNode(uuid) puts on a node: its claim, never the node's own UUID. */
export const vmCidOf = (nodeUuid: string) => `c1a1c1a1${nodeUuid.slice(8)}`;

/** A node a BOSH VM holds (vm_cid = instance_uuid = vmCidOf(uuid)). */
export function vmNode(uuid: string, extra: Record<string, unknown> = {}): Partial<FakeNode> & { uuid: string } {
  return {
    uuid,
    provision_state: "active",
    instance_uuid: vmCidOf(uuid),
    automated_clean: true,
    extra: {
      bosh: { phase: "created", agent_id: "agent-1", vm_cid: vmCidOf(uuid), claimed_at: "2026-11-21T11:00:00Z" },
      ...extra,
    },
  };
}
