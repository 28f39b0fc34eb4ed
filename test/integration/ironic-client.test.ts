// The Ironic client against the REAL Ironic of the integration global setup (fake-hardware, noauth):
// every behaviour of src/ironic the CPI relies on, proven again outside the fake server.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createIronicClient, type IronicClient } from "../../src/ironic/client.ts";
import * as E from "../../src/ironic/errors.ts";
import type { Node } from "../../src/ironic/node-schema.ts";
import { MAX_SUPPORTED, compareVersions } from "../../src/ironic/microversions.ts";
import { add, remove } from "../../src/ironic/patch.ts";
import type { IronicLogger } from "../../src/ironic/transport.ts";
import { setInventory, someConductorGroup } from "../support/ironic-fixtures.ts";
import { serverMaxVersion } from "../support/ironic-version.ts";
import { ironicUrl } from "../support/servers.ts";

const run = randomBytes(3).toString("hex");
const created: string[] = [];
let client: IronicClient;
let negotiationMs = 0;
const warnings: string[] = [];
const logger: IronicLogger = {
  debug() {},
  info() {},
  warn: (obj: unknown) => void warnings.push(JSON.stringify(obj)),
  error() {},
} as unknown as IronicLogger;

/** Fresh fake-hardware node, tracked for cleanup. */
async function newNode(suffix: string, extra: Record<string, unknown> = {}): Promise<Node> {
  const node = await client.nodes.create({
    name: `ic-${run}-${suffix}`,
    driver: "fake-hardware",
    resource_class: `ic-${run}`,
    conductor_group: someConductorGroup(), // "" all-in-one; a group a conductor serves in the distributed shape
    ...extra,
  });
  created.push(node.uuid);
  return node;
}

/** enroll → manageable → available, with a power state so the allocation API considers it. */
async function makeAvailable(uuid: string): Promise<void> {
  await client.states.power(uuid, "power off");
  await client.waitForNode(uuid, { until: (n) => n.power_state === "power off", timeoutMs: 30_000 });
  await client.states.provision(uuid, "manage");
  await client.waitForNode(uuid, { until: (n) => n.provision_state === "manageable", timeoutMs: 30_000 });
  await client.states.provision(uuid, "provide");
  await client.waitForNode(uuid, { until: (n) => n.provision_state === "available", timeoutMs: 30_000 });
}

beforeAll(async () => {
  const started = performance.now();
  client = await createIronicClient({ url: ironicUrl(), logger });
  negotiationMs = performance.now() - started;
});

afterAll(async () => {
  for (const uuid of created.reverse()) {
    const node = await client.nodes.find(uuid);
    if (!node) continue;
    if (node.provision_state === "active") await client.states.setMaintenance(uuid, "test cleanup");
    if (node.instance_uuid && node.provision_state !== "active")
      await client.nodes.patch(uuid, [remove(["instance_uuid"])]).catch(() => {});
    await client.nodes.delete(uuid).catch((err: unknown) => console.warn(`cleanup of ${uuid}: ${String(err)}`));
  }
});

test("negotiates the lower of the server's and its own maximum with one GET /", async () => {
  // the server's own maximum: 1.82 for Debian's 21.4, 1.115 for Ironic 39, above the client's ceiling
  const serverMax = await serverMaxVersion();
  expect(client.serverVersions.max).toBe(serverMax);
  expect(client.version).toBe(compareVersions(serverMax, MAX_SUPPORTED) < 0 ? serverMax : MAX_SUPPORTED);
  expect(client.supports("shard")).toBe(true);
  expect(client.requestCount).toBe(1);
  console.info(`negotiation: ${negotiationMs.toFixed(1)} ms`);
});

describe("nodes and ports", () => {
  test("CRUD, JSON-patch escaping, port lookups by address / node UUID / node name", async () => {
    const node = await newNode("crud", {
      properties: { cpus: 2, memory_mb: 4096 },
      driver_info: { ipmi_password: "bmc-secret" },
    });
    expect(node).toMatchObject({
      provision_state: "enroll",
      power_state: null,
      resource_class: `ic-${run}`,
      traits: [],
    });
    expect(JSON.stringify(node)).not.toContain("bmc-secret");

    const byName = await client.nodes.get(`ic-${run}-crud`);
    expect(byName.uuid).toBe(node.uuid);
    expect(byName.allocation_uuid).toBeNull();

    const patched = await client.nodes.patch(node.uuid, [
      add(["extra", "bosh_vm-cid"], "vm-1"),
      add(["description"], "d"),
    ]);
    expect(patched.extra).toEqual({ "bosh_vm-cid": "vm-1" });
    // Ironic 21.4's patch schema only takes paths matching ^(/[\w-]+)+$: RFC 6901-escaped keys (and dots) are a 400
    const escaped = await client.nodes.patch(node.uuid, [add(["extra", "a/b~c"], 1)]).catch((e: unknown) => e);
    expect(escaped).toBeInstanceOf(E.IronicBadRequest);
    expect((escaped as E.IronicBadRequest).ironicMessage).toContain("'/extra/a~1b~0c' does not match");

    const mac = `52:54:00:${randomBytes(3).toString("hex").match(/../g)?.join(":")}`;
    const port = await client.ports.create({
      node_uuid: node.uuid,
      address: mac,
      pxe_enabled: true,
      extra: { nic: "eth0" },
    });
    expect(port).toMatchObject({ address: mac, node_uuid: node.uuid, pxe_enabled: true });
    expect((await client.ports.byAddress(mac)).map((p) => p.uuid)).toEqual([port.uuid]);
    expect((await client.ports.byNode(node.uuid)).map((p) => p.uuid)).toEqual([port.uuid]);
    expect((await client.ports.byNode(`ic-${run}-crud`)).map((p) => p.uuid)).toEqual([port.uuid]);

    const dup = await client.ports.create({ node_uuid: node.uuid, address: mac }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(E.IronicConflict);
    expect(dup).not.toBeInstanceOf(E.IronicNodeLocked);
    expect((dup as E.IronicConflict).ironicMessage).toBe(`A port with MAC address ${mac} already exists.`);

    const bad = await client.ports
      .create({ node_uuid: node.uuid, address: "zz:54:00:12:34:56" })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(E.IronicBadRequest);
    expect((bad as E.IronicBadRequest).ironicMessage).toBe("Expected valid MAC address for address: zz:54:00:12:34:56");

    await client.nodes.delete(node.uuid);
    // its ports go with it (create_vm's rollback of an enrolment relies on it)
    expect(await client.ports.byAddress(mac)).toEqual([]);
    const gone = await client.nodes.get(node.uuid).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(E.IronicNotFound);
    expect((gone as E.IronicNotFound).message).toBe(
      `Ironic GET ${ironicUrl()}/v1/nodes/${node.uuid} failed with HTTP 404: Node ${node.uuid} could not be found.`,
    );
  });

  test("inventory: none for a node never inspected (404), its disks once Ironic holds one", async () => {
    const node = await newNode("inventory");
    expect(await client.nodes.inventoryDisks(node.uuid)).toBeUndefined();
    setInventory(node.uuid, {
      cpu: { count: 4 },
      disks: [{ name: "/dev/sda", size: 480103981056, serial: "S1", by_path: "/dev/disk/by-path/pci-0" }],
    });
    expect(await client.nodes.inventoryDisks(node.uuid)).toEqual([
      { name: "/dev/sda", size: 480103981056, serial: "S1", by_path: "/dev/disk/by-path/pci-0" },
    ]);
  });

  test("list with filters, fields and pagination (limit 2 over 5 nodes)", async () => {
    const rc = `ic-${run}-list`;
    for (const i of [0, 1, 2, 3, 4]) await newNode(`list-${i}`, { resource_class: rc });
    const before = client.requestCount;
    const nodes = await client.nodes.list({
      resource_class: rc,
      provision_state: "enroll",
      associated: false,
      maintenance: false,
      fields: ["name", "provision_state"],
      pageSize: 2,
      sort_key: "name",
    });
    const requests = client.requestCount - before;
    expect(nodes.map((n) => n.name)).toEqual([0, 1, 2, 3, 4].map((i) => `ic-${run}-list-${i}`));
    expect(Object.keys(nodes[0] ?? {}).sort()).toEqual(["name", "provision_state", "uuid"]);
    expect(requests).toBe(3);
    console.info(`paginated list of 5 nodes with limit 2: ${requests} requests`);

    // the default field list is accepted by the real server (no 500 from an unknown field)
    const full = await client.nodes.list({ resource_class: rc });
    expect(full).toHaveLength(5);
    expect(full[0]).toMatchObject({
      driver: "fake-hardware",
      maintenance: false,
      traits: [],
      network_data: {},
      conductor_group: someConductorGroup(),
    });
    expect(await client.nodes.list({ resource_class: rc, associated: true })).toEqual([]);
  });
});

describe("claims", () => {
  test("a second, different instance_uuid is IronicNodeAssociated; the same one is idempotent", async () => {
    const node = await newNode("claim");
    const mine = randomUUID();
    expect(
      (await client.nodes.patch(node.uuid, [add(["instance_uuid"], mine)], { idempotent: true })).instance_uuid,
    ).toBe(mine);
    expect((await client.nodes.patch(node.uuid, [add(["instance_uuid"], mine)])).instance_uuid).toBe(mine);
    const lost = await client.nodes.patch(node.uuid, [add(["instance_uuid"], randomUUID())]).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(E.IronicNodeAssociated);
    await expect(client.nodes.delete(node.uuid)).rejects.toBeInstanceOf(E.IronicNodeAssociated);
    await client.nodes.patch(node.uuid, [remove(["instance_uuid"])]);
  });

  test("12 concurrent claims of one node: one winner, everyone else a final IronicNodeAssociated (locked 409s retried)", async () => {
    const node = await newNode("race");
    const warnBefore = warnings.length;
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => client.nodes.patch(node.uuid, [add(["instance_uuid"], randomUUID())])),
    );
    const ms = performance.now() - started;
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    expect(won).toHaveLength(1);
    for (const reason of lost) expect(reason).toBeInstanceOf(E.IronicNodeAssociated);
    const lockedRetries = warnings.slice(warnBefore).filter((w) => w.includes("is locked by host")).length;
    console.info(
      `12 concurrent claims: 1 won, 11 associated, ${lockedRetries} locked 409s retried, ${ms.toFixed(0)} ms`,
    );
    await client.nodes.patch(node.uuid, [remove(["instance_uuid"])]);
  });
});

describe("claim, deploy, power", () => {
  test("a claim by instance_uuid on an available node; deploy with a JSON configdrive; power on/off; undeploy", async () => {
    const node = await newNode("deploy");
    await makeAvailable(node.uuid);

    const claim = randomUUID();
    await client.nodes.patch(node.uuid, [add(["instance_uuid"], claim)]);
    const claimed = await client.nodes.get(node.uuid, { fields: ["instance_uuid"] });
    expect(claimed).toEqual({ uuid: node.uuid, instance_uuid: claim });

    const transitions: string[] = [];
    await client.states.provision(node.uuid, "active", {
      configdrive: { meta_data: { uuid: "vm-1", hostname: "vm-1" }, user_data: "#cloud-config\n" },
    });
    const deployed = await client.waitForNode(node.uuid, {
      until: (n) => n.provision_state === "active",
      timeoutMs: 60_000,
      onTransition: (from, to) => transitions.push(`${from}→${to}`),
    });
    expect(deployed.instance_info?.["configdrive"]).toBe("******");
    expect(deployed.power_state).toBe("power off"); // fake deploy does not power on

    await client.states.power(node.uuid, "power on");
    expect(
      (
        await client.waitForNode(node.uuid, {
          until: (n) => n.power_state === "power on",
          fields: ["power_state"],
          timeoutMs: 30_000,
        })
      ).power_state,
    ).toBe("power on");
    await client.states.power(node.uuid, "power off");
    await client.waitForNode(node.uuid, {
      until: (n) => n.power_state === "power off",
      fields: ["power_state"],
      timeoutMs: 30_000,
    });

    // an active, claimed node cannot be deleted: 409 (Ironic reports the instance association first)
    const busy = await client.nodes.delete(node.uuid).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(E.IronicConflict);
    expect(busy).not.toBeInstanceOf(E.IronicNodeLocked);

    await client.states.provision(node.uuid, "deleted");
    const undeployed = await client.waitForNode(node.uuid, {
      until: (n) => n.provision_state === "available",
      timeoutMs: 60_000,
    });
    expect(undeployed.instance_uuid).toBeNull();
    // deleted on an available node is a 400 (invalid transition), not retried
    await expect(client.states.provision(node.uuid, "deleted")).rejects.toBeInstanceOf(E.IronicBadRequest);
  });
});
