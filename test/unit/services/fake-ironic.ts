// The one in-memory Ironic of the services' unit tests. Nodes with JSON-patch semantics as Ironic 21.4
// has them (add creates or replaces, remove of a missing member is a 400 for the whole list, a second
// different instance_uuid is a 409 "associated", one instance_uuid per database), ports, list filters,
// provision verbs with instant transitions and injectable failures, power, microversion gating of
// automated_clean and the inventory, and a call log. Plus the deps bags the VM and disk services take.
import pino from "pino";
import { type Config, Config as ConfigSchema } from "../../../src/config/schema.ts";
import type { IronicClient } from "../../../src/ironic/client.ts";
import {
  IronicBadRequest,
  IronicConflict,
  IronicHttpError,
  IronicNodeAssociated,
  IronicNotFound,
  IronicStateError,
  IronicTimeoutError,
} from "../../../src/ironic/errors.ts";
import { FEATURES, type Feature, compareVersions } from "../../../src/ironic/microversions.ts";
import type { Node } from "../../../src/ironic/node-schema.ts";
import type { JsonPatchOp } from "../../../src/ironic/patch.ts";
import type { Port } from "../../../src/ironic/ports.ts";
import { Claims } from "../../../src/services/pool/claims.ts";
import type { DiskPlacement } from "../../../src/services/pool/disk-placement.ts";
import type { DiskDeps } from "../../../src/services/disk/deps.ts";
import { prepareVmConfigDrive } from "../../../src/services/vm/config-drive.ts";
import type { CreateDeps } from "../../../src/services/vm/create.ts";
import { testConfig } from "../../support/config.ts";
import { NO_DISK_PLACEMENT } from "../../support/no-disk-placement.ts";

export type FakeNode = Node & {
  inventory?: unknown;
  /**
   * cleaning (automated, on undeploy or provide) ends in "clean failed", in maintenance with Ironic's reason
   * as a failed clean step leaves it, or without maintenance as a failure outside the steps does
   */
  failClean?: boolean | "without maintenance";
  /** provision "active" ends in "deploy failed" with this last_error */
  failDeploy?: string;
  /** provision "manage" from enroll fails its verification (power credentials): back in enroll with this last_error */
  failVerify?: string;
  /** provision "deleted" throws this */
  failUndeploy?: Error;
  /** a killed earlier call's request for this target lands just before ours: done, ours refused (400) */
  raceOn?: string;
};

const err = (Cls: typeof IronicBadRequest, status: number, method: string, msg: string) =>
  new Cls({ status, method, url: "fake", ironicMessage: msg });

const unescapeSegment = (seg: string) => seg.replace(/~1/g, "/").replace(/~0/g, "~");

/** Applies a JSON-patch to a copy; throws IronicBadRequest like Ironic. */
export function applyPatch(node: FakeNode, ops: readonly JsonPatchOp[]): FakeNode {
  const doc = structuredClone(node) as Record<string, unknown>;
  for (const op of ops) {
    // Ironic's patch schema: "'<path>' does not match '^(/[\\w-]+)+$'"
    if (!/^(\/[\w-]+)+$/.test(op.path))
      throw err(IronicBadRequest, 400, "PATCH", `Schema error for patch: '${op.path}' does not match '^(/[\\w-]+)+$'`);
    const segs = op.path.split("/").slice(1).map(unescapeSegment);
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

const NODE_DEFAULTS = {
  provision_state: "available",
  maintenance: false,
  instance_uuid: null,
  extra: {},
  properties: {},
  automated_clean: null,
  instance_info: {},
  power_state: "power off",
} as const;

type ListQuery = Record<string, unknown> & { associated?: boolean; maintenance?: boolean };
const LIST_KEYS = ["provision_state", "resource_class", "conductor_group", "instance_uuid"] as const;

export function fakeIronic(opts: { version?: string } = {}) {
  const version = opts.version ?? "1.82";
  const nodes = new Map<string, FakeNode>();
  const ports: Port[] = [];
  /** "GET <uuid>", "LIST {query}", "PATCH <uuid> <op> <path>, …", "PROVISION <uuid> <target>", "POWER …", … */
  const calls: string[] = [];
  /** uuid → errors thrown by the next PATCHes of that node */
  const patchFailures = new Map<string, Error[]>();
  const get = (id: string) => {
    const n = nodes.get(id);
    if (!n) throw err(IronicNotFound, 404, "GET", `Node ${id} could not be found.`);
    return n;
  };
  // every change stamps a later provision_updated_at, as Ironic does
  const set = (id: string, change: Partial<FakeNode>) =>
    nodes.set(id, { ...get(id), ...change, provision_updated_at: new Date(Date.now() + calls.length).toISOString() });
  const cleans = (n: FakeNode) => n.automated_clean !== false;
  const cleanFailed = (n: FakeNode): Partial<FakeNode> => ({
    provision_state: "clean failed",
    last_error: "cleaning failed (fake)",
    ...(n.failClean === true && { maintenance: true, maintenance_reason: "cleaning failed (fake)" }),
  });

  // Ironic's node history (API 1.78): what it records of failures, oldest first.
  const events = new Map<string, { created_at: string; severity: string; event_type: string; event: string }[]>();
  const record = (id: string, type: string, event: string) =>
    events.set(id, [
      ...(events.get(id) ?? []),
      { created_at: new Date().toISOString(), severity: "ERROR", event_type: type, event },
    ]);

  const provision = async (id: string, target: string, o: Record<string, unknown> = {}): Promise<void> => {
    calls.push(`PROVISION ${id} ${target}`);
    const n = get(id);
    if (n.raceOn === target) {
      set(id, { raceOn: undefined });
      await provision(id, target, o); // the other call's request
      calls.pop();
      const now = get(id).provision_state;
      throw err(
        IronicBadRequest,
        400,
        "PUT",
        `The requested action "${target}" can not be performed on node "${id}" while it is in state "${now}".`,
      );
    }
    if (target === "active") {
      if (n.provision_state !== "available")
        throw err(IronicBadRequest, 400, "PUT", `can not deploy in state ${n.provision_state}`);
      if (n.failDeploy) {
        record(id, "deploy", n.failDeploy);
        return void set(id, { provision_state: "deploy failed", last_error: n.failDeploy });
      }
      return void set(id, {
        provision_state: "active",
        last_error: null,
        instance_info: { ...n.instance_info, configdrive: o["configdrive"] ? "******" : undefined },
      });
    }
    if (target === "deleted") {
      if (n.protected)
        throw err(IronicHttpError, 403, "PUT", `Node ${id} is protected and cannot be undeployed, rebuilt or deleted`);
      if (n.failUndeploy) throw n.failUndeploy;
      const released = { instance_uuid: null, instance_info: {} };
      if (n.failClean && cleans(n)) return void set(id, { ...released, ...cleanFailed(n) });
      return void set(id, { ...released, provision_state: "available", last_error: null });
    }
    if (target === "provide" && n.failClean && cleans(n)) return void set(id, cleanFailed(n));
    if (target === "manage" && n.provision_state === "enroll" && n.failVerify)
      return void set(id, { provision_state: "enroll", target_provision_state: null, last_error: n.failVerify });
    const to: Record<string, string> = {
      manage: "manageable",
      provide: "available",
      clean: "manageable",
      inspect: "manageable",
    };
    if (!to[target]) throw err(IronicBadRequest, 400, "PUT", `bad target ${target}`);
    set(id, { provision_state: to[target], last_error: null });
  };

  const client = {
    version,
    serverVersions: { min: "1.1", max: version },
    supports: (f: Feature) => compareVersions(version, FEATURES[f]) >= 0,
    require: () => undefined,
    nodes: {
      find: async (id: string) => {
        calls.push(`GET ${id}`);
        const n = nodes.get(id);
        return n && structuredClone(n);
      },
      get: async (id: string) => {
        calls.push(`GET ${id}`);
        return structuredClone(get(id));
      },
      list: async (q: ListQuery) => {
        calls.push(`LIST ${JSON.stringify({ ...q, fields: undefined })}`);
        return [...nodes.values()]
          .filter((n) => LIST_KEYS.every((k) => q[k] === undefined || n[k] === q[k]))
          .filter((n) => q.maintenance === undefined || !!n.maintenance === q.maintenance)
          .filter((n) => q.associated === undefined || !!n.instance_uuid === q.associated)
          .map((n) => structuredClone(n));
      },
      patch: async (id: string, ops: readonly JsonPatchOp[]) => {
        calls.push(`PATCH ${id} ${ops.map((o) => `${o.op} ${o.path}`).join(", ")}`);
        const failure = patchFailures.get(id)?.shift();
        if (failure) throw failure;
        const next = applyPatch(get(id), ops);
        // Ironic: protected only in active (or rescue); protected_reason only while protected.
        if (next.protected && !get(id).protected && next.provision_state !== "active")
          throw err(
            IronicBadRequest,
            400,
            "PATCH",
            `Node ${id} can only be made protected in provision states 'active' or 'rescue'`,
          );
        if (!next.protected) next.protected_reason = null;
        const claim = next.instance_uuid;
        if (
          claim &&
          claim !== get(id).instance_uuid &&
          [...nodes.values()].some((o) => o.uuid !== id && o.instance_uuid === claim)
        ) {
          throw err(
            IronicConflict,
            409,
            "PATCH",
            `Instance ${claim} is already associated with a node, it cannot be associated with this other node ${id}`,
          );
        }
        nodes.set(id, next);
        return structuredClone(next);
      },
      create: async (body: Record<string, unknown>) => {
        calls.push(`CREATE ${String(body["name"] ?? "")}`);
        const uuid =
          typeof body["uuid"] === "string"
            ? body["uuid"]
            : `e0000000-0000-4000-8000-${String(nodes.size).padStart(12, "0")}`;
        const node = fake.onCreate({ ...NODE_DEFAULTS, provision_state: "enroll", ...body, uuid } as FakeNode);
        nodes.set(uuid, node);
        return structuredClone(node);
      },
      // the inventory API arrived in 1.81; fake-hardware nodes are never inspected, so most have none
      history: async (id: string, limit = 5) => {
        calls.push(`HISTORY ${id}`);
        return [...(events.get(id) ?? [])].reverse().slice(0, limit);
      },
      inventoryDisks: async (id: string) => {
        calls.push(`INVENTORY ${id}`);
        if (compareVersions(version, "1.81") < 0) return undefined;
        return (get(id).inventory as { disks?: unknown[] } | undefined)?.disks;
      },
      delete: async (id: string) => {
        calls.push(`DELETE ${id}`);
        if (get(id).protected)
          throw err(
            IronicHttpError,
            403,
            "DELETE",
            `Node ${id} is protected and cannot be undeployed, rebuilt or deleted`,
          );
        nodes.delete(id);
        for (let i = ports.length - 1; i >= 0; i--) if (ports[i]!.node_uuid === id) ports.splice(i, 1);
      },
    },
    ports: {
      byNode: async (id: string) => ports.filter((p) => p.node_uuid === id),
      byAddress: async (mac: string) => ports.filter((p) => p.address === mac),
      create: async (body: { node_uuid: string; address: string; pxe_enabled?: boolean }) => {
        calls.push(`PORT ${body.address}`);
        const port = { uuid: `port-${ports.length}`, ...body };
        ports.push(port);
        return port;
      },
    },
    states: {
      provision,
      power: async (id: string, target: string) => {
        calls.push(`POWER ${id} ${target}`);
        set(id, { power_state: target === "rebooting" ? "power on" : target });
      },
      setRaid: async (id: string) => void calls.push(`RAID ${id}`),
      setMaintenance: async (id: string, reason?: string) => {
        calls.push(`MAINTENANCE ${id}`);
        set(id, { maintenance: true, maintenance_reason: reason ?? null });
      },
    },
    waitForNode: async (
      id: string,
      o: {
        until: (n: Node) => boolean;
        failOn?: readonly string[];
        failIf?: (n: Node) => boolean;
        timeoutMs?: number;
      },
    ) => {
      const n = structuredClone(get(id));
      if (o.until(n)) return n;
      const failOn = o.failOn ?? ["deploy failed", "clean failed", "inspect failed", "error"];
      if (failOn.includes(n.provision_state ?? "") || o.failIf?.(n))
        throw new IronicStateError(`node ${id}`, n.provision_state ?? "?", n.last_error ?? null);
      throw new IronicTimeoutError(`node ${id}`, n.provision_state ?? null, o.timeoutMs ?? 0);
    },
  } as unknown as IronicClient;

  let macs = 0;
  const fake = {
    client,
    nodes,
    ports,
    calls,
    patchFailures,
    /** A node with `nics` ports; defaults: available, free, powered off. */
    add(node: Partial<FakeNode> & { uuid: string }, nics = 1): FakeNode {
      const full = { ...NODE_DEFAULTS, ...node } as FakeNode;
      nodes.set(node.uuid, full);
      for (let i = 0; i < nics; i++)
        ports.push({
          uuid: `port-${ports.length}`,
          node_uuid: node.uuid,
          address: `52:54:00:00:${(macs >> 8).toString(16).padStart(2, "0")}:${(macs++ & 255).toString(16).padStart(2, "0")}`,
          pxe_enabled: i === 0,
        });
      return full;
    },
    node: (uuid: string) => get(uuid),
    /** What a node created through the API (an enrolment) turns into: the hardware's own traits. */
    onCreate: (n: FakeNode): FakeNode => n,
  };
  return fake;
}
export type FakeIronic = ReturnType<typeof fakeIronic>;

export const silent = pino({ level: "silent" });

/** A clock that ticks one second per reading, from a fixed start. */
function tickingClock(): () => Date {
  let t = Date.parse("2026-11-21T12:00:00Z");
  return () => {
    t += 1000;
    return new Date(t);
  };
}

export const IMAGE = {
  imageUrl: "http://store/img",
  checksums: { sha256: "a".repeat(64), md5: "b".repeat(32) },
  diskFormat: "raw",
};

/** The agent-settings store: what the VM services wrote, by VM cid. */
export class Records {
  readonly map = new Map<string, unknown>();
  async put(cid: string, s: unknown) {
    this.map.set(cid, s);
  }
  async remove(cid: string) {
    this.map.delete(cid);
  }
}

/** What every service acts with: the fake's client, the test configuration (with overrides), a ticking clock. */
function baseDeps(fake: FakeIronic, configOverrides: Record<string, unknown> = {}) {
  const config: Config = ConfigSchema.parse({ ...testConfig(), ...configOverrides });
  const now = tickingClock();
  return {
    ironic: fake.client,
    config,
    log: silent,
    now,
    claims: new Claims({ ironic: fake.client, log: silent, now }),
  };
}

export function vmDeps(
  fake: FakeIronic,
  over: { placement?: DiskPlacement; config?: Record<string, unknown> } = {},
): CreateDeps & { records: Records } {
  const records = new Records();
  return {
    ...baseDeps(fake, over.config),
    placement: over.placement ?? NO_DISK_PLACEMENT,
    stemcells: { resolve: async () => IMAGE },
    settings: records,
    configDrive: prepareVmConfigDrive,
    records,
  };
}

export function diskDeps(
  fake: FakeIronic,
  over: Partial<DiskDeps> & { configOverrides?: Record<string, unknown> } = {},
): DiskDeps {
  const { configOverrides, ...rest } = over;
  return { ...baseDeps(fake, configOverrides), ...rest };
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
