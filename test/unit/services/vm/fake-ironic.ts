// An in-memory Ironic for the VM services' unit tests: JSON-patch semantics shared with the disks' fake
// (disk-fake-ironic.ts), instance_uuid unique across nodes as in Ironic's database, ports, list filters,
// provision verbs with instant transitions (and injectable failures), power, and a call log.
import pino from "pino";
import type { IronicClient } from "../../../../src/ironic/client.ts";
import {
  IronicBadRequest,
  IronicConflict,
  IronicNotFound,
  IronicStateError,
  IronicTimeoutError,
} from "../../../../src/ironic/errors.ts";
import type { Node } from "../../../../src/ironic/node-schema.ts";
import type { JsonPatchOp } from "../../../../src/ironic/patch.ts";
import type { Port } from "../../../../src/ironic/ports.ts";
import { Config as ConfigSchema } from "../../../../src/config/schema.ts";
import { Claims } from "../../../../src/services/claims.ts";
import type { DiskPlacement } from "../../../../src/services/disk-placement.ts";
import { NO_DISK_PLACEMENT } from "../../../support/no-disk-placement.ts";
import type { CreateDeps } from "../../../../src/services/vm/create.ts";
import { prepareVmConfigDrive } from "../../../../src/services/vm/config-drive.ts";
import { testConfig } from "../../../support/config.ts";
import { applyPatch, type FakeNode } from "../disk/fake-ironic.ts";

export interface VmFakeNode extends FakeNode {
  /** provision "active" ends in "deploy failed" with this last_error */
  failDeploy?: string;
  /** provision "deleted" ends in "clean failed" (+ maintenance, as automated cleaning does) */
  failUndeployClean?: boolean;
  /** provision "deleted" throws this */
  failUndeploy?: Error;
  /** a killed earlier call's request for this target lands just before ours: done, ours refused (400) */
  raceOn?: string;
}

const err = (Cls: typeof IronicBadRequest, status: number, method: string, msg: string) =>
  new Cls({ status, method, url: "fake", ironicMessage: msg });

export function vmFakeIronic() {
  const nodes = new Map<string, VmFakeNode>();
  const ports: Port[] = [];
  const calls: string[] = [];
  /** uuid → errors thrown by the next PATCHes of that node */
  const patchFailures = new Map<string, Error[]>();
  const get = (id: string) => {
    const n = nodes.get(id);
    if (!n) throw err(IronicNotFound, 404, "GET", `Node ${id} could not be found.`);
    return n;
  };
  const set = (id: string, change: Partial<VmFakeNode>) =>
    nodes.set(id, { ...get(id), ...change, provision_updated_at: new Date().toISOString() });

  const provision = async (id: string, target: string, opts: Record<string, unknown> = {}): Promise<void> => {
    calls.push(`PROVISION ${id} ${target}`);
    const n = get(id);
    if (n.raceOn === target) {
      set(id, { raceOn: undefined });
      await provision(id, target, opts); // the other call's request
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
      if (n.failDeploy) return void set(id, { provision_state: "deploy failed", last_error: n.failDeploy });
      return void set(id, {
        provision_state: "active",
        last_error: null,
        instance_info: { ...n.instance_info, configdrive: opts["configdrive"] ? "******" : undefined },
      });
    }
    if (target === "deleted") {
      if (n.failUndeploy) throw n.failUndeploy;

      if (n.failUndeployClean && n.automated_clean !== false)
        return void set(id, {
          provision_state: "clean failed",
          maintenance: true,
          last_error: "cleaning failed",
          instance_uuid: null,
          instance_info: {},
        });
      return void set(id, { provision_state: "available", instance_uuid: null, instance_info: {}, last_error: null });
    }
    const to: Record<string, string> = {
      manage: "manageable",
      provide: "available",
      clean: "manageable",
      inspect: "manageable",
    };
    if (!to[target]) throw err(IronicBadRequest, 400, "PUT", `bad target ${target}`);
    set(id, { provision_state: to[target] });
  };

  const client = {
    version: "1.82",
    serverVersions: { min: "1.1", max: "1.82" },
    supports: () => true,
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
      list: async (q: Record<string, unknown>) => {
        calls.push(`LIST ${JSON.stringify({ ...q, fields: undefined })}`);
        const keys = ["provision_state", "resource_class", "conductor_group", "instance_uuid"] as const;
        return [...nodes.values()]
          .filter((n) => keys.every((k) => q[k] === undefined || (n as unknown as Record<string, unknown>)[k] === q[k]))
          .filter((n) => q["maintenance"] === undefined || !!n.maintenance === q["maintenance"])
          .map((n) => structuredClone(n));
      },
      patch: async (id: string, ops: readonly JsonPatchOp[]) => {
        calls.push(`PATCH ${id} ${ops.map((o) => `${o.op} ${o.path}`).join(", ")}`);
        const failure = patchFailures.get(id)?.shift();
        if (failure) throw failure;
        const next = applyPatch(get(id), ops) as VmFakeNode;
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
        const node: VmFakeNode = {
          provision_state: "enroll",
          maintenance: false,
          instance_uuid: null,
          extra: {},
          properties: {},
          automated_clean: null,
          instance_info: {},
          ...(body as object),
          uuid,
        } as VmFakeNode;
        nodes.set(uuid, node);
        return structuredClone(node);
      },
      // fake-hardware nodes are never inspected: no inventory
      inventoryDisks: async (id: string) => {
        calls.push(`INVENTORY ${id}`);
        return undefined;
      },
      delete: async (id: string) => {
        calls.push(`DELETE ${id}`);
        get(id);
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
      setMaintenance: async (id: string, reason?: string) => {
        calls.push(`MAINTENANCE ${id}`);
        set(id, { maintenance: true, maintenance_reason: reason ?? null });
      },
    },
    waitForNode: async (
      id: string,
      o: { until: (n: Node) => boolean; failOn?: readonly string[]; timeoutMs?: number },
    ) => {
      const n = structuredClone(get(id));
      if (o.until(n)) return n;
      const failOn = o.failOn ?? ["deploy failed", "clean failed", "inspect failed", "error"];
      if (failOn.includes(n.provision_state ?? ""))
        throw new IronicStateError(`node ${id}`, n.provision_state ?? "?", n.last_error ?? null);
      throw new IronicTimeoutError(`node ${id}`, n.provision_state ?? null, o.timeoutMs ?? 0);
    },
    transport: { put: async () => undefined },
  } as unknown as IronicClient;

  let macs = 0;
  return {
    client,
    nodes,
    ports,
    calls,
    patchFailures,
    /** A node with one port; defaults: available, free. */
    add(node: Partial<VmFakeNode> & { uuid: string }, nics = 1): VmFakeNode {
      const full: VmFakeNode = {
        provision_state: "available",
        maintenance: false,
        instance_uuid: null,
        extra: {},
        properties: {},
        automated_clean: null,
        instance_info: {},
        power_state: "power off",
        ...node,
      };
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
  };
}
export type VmFake = ReturnType<typeof vmFakeIronic>;

export const silent = pino({ level: "silent" });

export const IMAGE = {
  imageUrl: "http://store/img",
  checksums: { sha256: "a".repeat(64), md5: "b".repeat(32) },
  diskFormat: "raw",
};

export class Records {
  readonly map = new Map<string, unknown>();
  async put(cid: string, s: unknown) {
    this.map.set(cid, s);
  }
  async remove(cid: string) {
    this.map.delete(cid);
  }
}

export function vmDeps(
  fake: VmFake,
  over: { placement?: DiskPlacement; config?: Record<string, unknown> } = {},
): CreateDeps & { records: Records } {
  const config = ConfigSchema.parse({ ...testConfig(), ...(over.config ?? {}) });
  let t = Date.parse("2026-11-21T12:00:00Z");
  const now = () => new Date((t += 1000));
  const records = new Records();
  return {
    ironic: fake.client,
    config,
    log: silent,
    now,
    claims: new Claims({ ironic: fake.client, log: silent, now }),
    placement: over.placement ?? NO_DISK_PLACEMENT,
    stemcells: { resolve: async () => IMAGE },
    settings: records,
    configDrive: prepareVmConfigDrive,
    records,
  };
}
