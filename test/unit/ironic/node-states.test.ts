import { afterEach, expect, test } from "vitest";
import { IronicBadRequest, IronicUnsupportedFeature } from "../../../src/ironic/errors.ts";
import type { FakeHttp } from "../../support/fake-http.ts";
import { provisionLanded } from "../../../src/ironic/node-states.ts";
import { add } from "../../../src/ironic/patch.ts";
import { NODE_UUID, clientFor, startFakeIronic } from "./fake-ironic-server.ts";

let fake: FakeHttp;
afterEach(() => fake?.close());
const base = `/v1/nodes/${NODE_UUID}`;

test("provision: target with configdrive (string or JSON object) and steps", async () => {
  fake = await startFakeIronic({ [`PUT ${base}/states/provision`]: { status: 202 } });
  const client = await clientFor(fake);
  await client.states.provision(NODE_UUID, "active", { configdrive: "H4sIAAAA" });
  await client.states.provision(NODE_UUID, "active", {
    configdrive: { meta_data: { uuid: "vm-1" } },
    deploy_steps: [{ interface: "deploy", step: "x", args: {}, priority: 1 }],
  });
  await client.states.provision(NODE_UUID, "clean", {
    clean_steps: [{ interface: "deploy", step: "erase_devices" }],
    disable_ramdisk: true,
  });
  expect(fake.calls(`PUT ${base}/states/provision`).map((r) => r.json)).toEqual([
    { target: "active", configdrive: "H4sIAAAA" },
    {
      target: "active",
      configdrive: { meta_data: { uuid: "vm-1" } },
      deploy_steps: [{ interface: "deploy", step: "x", args: {}, priority: 1 }],
    },
    { target: "clean", clean_steps: [{ interface: "deploy", step: "erase_devices" }], disable_ramdisk: true },
  ]);
});

test("provision: JSON configdrive needs 1.56, deploy_steps 1.69 — refused before any request", async () => {
  fake = await startFakeIronic();
  const client = await clientFor(fake, { maxVersion: "1.55" });
  await expect(client.states.provision(NODE_UUID, "active", { configdrive: {} })).rejects.toThrow(
    /"configdrive_json" needs API microversion 1\.56, but 1\.55/,
  );
  await expect(client.states.provision(NODE_UUID, "active", { deploy_steps: [] })).rejects.toBeInstanceOf(
    IronicUnsupportedFeature,
  );
  expect(client.requestCount).toBe(1);
});

test("provision: a 400 is not retried", async () => {
  const body = {
    error_message: JSON.stringify({
      faultcode: "Client",
      faultstring: 'The requested action "deleted" can not be performed on node "x" while it is in state "available".',
      debuginfo: null,
    }),
  };
  fake = await startFakeIronic({ [`PUT ${base}/states/provision`]: { status: 400, body } });
  const client = await clientFor(fake);
  await expect(client.states.provision(NODE_UUID, "deleted")).rejects.toBeInstanceOf(IronicBadRequest);
  expect(fake.calls(`PUT ${base}/states/provision`)).toHaveLength(1);
});

test("provision: after a reset connection the node is read; a request that took effect is not sent again", async () => {
  fake = await startFakeIronic({
    [`PUT ${base}/states/provision`]: [{ hangUp: true }, { status: 202 }],
    [`GET ${base}`]: {
      status: 200,
      body: { uuid: NODE_UUID, provision_state: "deleting", target_provision_state: "available" },
    },
  });
  const client = await clientFor(fake);
  await client.states.provision(NODE_UUID, "deleted");
  expect(fake.calls(`PUT ${base}/states/provision`)).toHaveLength(1);
  expect(fake.calls(`GET ${base}`)[0]?.query.get("fields")).toBe("uuid,provision_state,target_provision_state");
});

test("provision: after a 503 the node is read; a request that did not take effect is sent again", async () => {
  fake = await startFakeIronic({
    [`PUT ${base}/states/provision`]: [{ status: 503, body: "busy" }, { status: 202 }],
    [`GET ${base}`]: {
      status: 200,
      body: { uuid: NODE_UUID, provision_state: "available", target_provision_state: null },
    },
  });
  const client = await clientFor(fake);
  await client.states.provision(NODE_UUID, "active", { configdrive: "H4sIAAAA" });
  expect(fake.calls(`PUT ${base}/states/provision`).map((r) => r.json)).toEqual([
    { target: "active", configdrive: "H4sIAAAA" },
    { target: "active", configdrive: "H4sIAAAA" },
  ]);
});

test("provisionLanded: an in-progress transition or a state the verb leads to", () => {
  expect(provisionLanded({ provision_state: "available", target_provision_state: "active" }, "active")).toBe(true);
  expect(provisionLanded({ provision_state: "active", target_provision_state: null }, "active")).toBe(true);
  expect(provisionLanded({ provision_state: "available", target_provision_state: null }, "active")).toBe(false);
  expect(provisionLanded({ provision_state: "active", target_provision_state: null }, "deleted")).toBe(false);
  expect(provisionLanded({ provision_state: "available", target_provision_state: null }, "deleted")).toBe(true);
  expect(provisionLanded({ provision_state: "manageable", target_provision_state: null }, "clean")).toBe(false);
});

test("power with timeout; maintenance set", async () => {
  fake = await startFakeIronic({
    [`PUT ${base}/states/power`]: { status: 202 },
    [`PUT ${base}/maintenance`]: { status: 202 },
  });
  const client = await clientFor(fake);
  await client.states.power(NODE_UUID, "power on");
  await client.states.power(NODE_UUID, "soft power off", { timeoutS: 10 });
  await client.states.setMaintenance(NODE_UUID, "bosh test");
  expect(fake.calls(`PUT ${base}/states/power`).map((r) => r.json)).toEqual([
    { target: "power on" },
    { target: "soft power off", timeout: 10 },
  ]);
  expect(fake.calls(`PUT ${base}/maintenance`)[0]?.json).toEqual({ reason: "bosh test" });
});

test("patch: an answer lost to a reset is settled by reading the node — applied, or sent again", async () => {
  const node = { uuid: NODE_UUID, instance_uuid: null, extra: { bosh: { phase: "created" } } };
  fake = await startFakeIronic({
    [`PATCH ${base}`]: [
      { hangUp: true },
      { hangUp: true },
      { status: 200, body: { ...node, extra: { bosh: { phase: "deleting" } } } },
    ],
    [`GET ${base}`]: [
      { status: 200, body: node },
      { status: 200, body: node },
    ],
  });
  const client = await clientFor(fake);
  // shown by the node already: done after one PATCH, answered with the node read back
  expect(await client.nodes.patch(NODE_UUID, [add("/extra/bosh/phase", "created")])).toMatchObject({
    extra: { bosh: { phase: "created" } },
  });
  expect(fake.calls(`PATCH ${base}`)).toHaveLength(1);
  // not shown: sent again
  expect(await client.nodes.patch(NODE_UUID, [add("/extra/bosh/phase", "deleting")])).toMatchObject({
    extra: { bosh: { phase: "deleting" } },
  });
  expect(fake.calls(`PATCH ${base}`)).toHaveLength(3);
});

test("create: a node or port whose answer was lost is found by name or MAC instead of created twice", async () => {
  const node = { uuid: NODE_UUID, name: "enrolled-1", driver: "fake-hardware" };
  const port = { uuid: "p-1", address: "52:54:00:00:00:01", node_uuid: NODE_UUID };
  fake = await startFakeIronic({
    "POST /v1/nodes": { hangUp: true },
    "GET /v1/nodes/enrolled-1": { status: 200, body: node },
    "POST /v1/ports": { hangUp: true },
    "GET /v1/ports": { status: 200, body: { ports: [port] } },
  });
  const client = await clientFor(fake);
  expect(await client.nodes.create({ name: "enrolled-1", driver: "fake-hardware" })).toMatchObject({ uuid: NODE_UUID });
  expect(await client.ports.create({ node_uuid: NODE_UUID, address: port.address })).toMatchObject({ uuid: "p-1" });
  expect(fake.calls("POST /v1/nodes")).toHaveLength(1);
  expect(fake.calls("POST /v1/ports")).toHaveLength(1);
});
