import { afterEach, expect, test } from "vitest";
import { IronicStateError, IronicUnsupportedFeature } from "../../../src/ironic/errors.ts";
import type { FakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, fixture, startFakeIronic } from "./fake-ironic-server.ts";

let fake: FakeHttp;
afterEach(() => fake?.close());
const allocating = fixture<{ uuid: string }>("allocation-allocating.json");
const active = fixture("allocation-active.json");
const failed = fixture<{ uuid: string }>("allocation-error.json");

test("create → wait for active; body passes resource_class, traits, candidates, name, extra, uuid", async () => {
  fake = await startFakeIronic({
    "POST /v1/allocations": { status: 201, body: allocating },
    [`GET /v1/allocations/${allocating.uuid}`]: [{ body: allocating }, { body: active }],
  });
  const client = await clientFor(fake);
  const body = {
    resource_class: "bosh-small",
    traits: ["CUSTOM_BOSH"],
    candidate_nodes: ["n1"],
    name: "alloc-1",
    extra: { vm_cid: "vm-1" },
    uuid: allocating.uuid,
  };
  const created = await client.allocations.create(body);
  expect(created.state).toBe("allocating");
  expect(fake.calls("POST /v1/allocations")[0]?.json).toEqual(body);
  const sleeps: number[] = [];
  const done = await client.waitForAllocation(created.uuid, {
    clock: { now: () => 0, sleep: async (ms) => void sleeps.push(ms) },
  });
  expect(done).toMatchObject({ state: "active", node_uuid: NODE_UUID, name: "alloc-1" });
  expect(sleeps).toEqual([200]);
});

test("an unsatisfiable allocation ends the wait with its last_error", async () => {
  fake = await startFakeIronic({ [`GET /v1/allocations/${failed.uuid}`]: { body: failed } });
  const client = await clientFor(fake);
  const err = await client.waitForAllocation(failed.uuid).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(IronicStateError);
  expect((err as IronicStateError).lastError).toMatch(/no available nodes match the resource class no-such-class/);
});

test("get with fields, delete, list by node", async () => {
  fake = await startFakeIronic({
    "GET /v1/allocations/alloc-1": { body: { uuid: allocating.uuid, state: "active" } },
    "DELETE /v1/allocations/alloc-1": { status: 204 },
    "GET /v1/allocations": { body: { allocations: [active] } },
  });
  const client = await clientFor(fake);
  expect(await client.allocations.get("alloc-1", { fields: ["state"] })).toEqual({
    uuid: allocating.uuid,
    state: "active",
  });
  expect(fake.calls("GET /v1/allocations/alloc-1")[0]?.query.get("fields")).toBe("uuid,state");
  await client.allocations.delete("alloc-1");
  expect(await client.allocations.byNode("n1")).toHaveLength(1);
  expect(fake.calls("GET /v1/allocations")[0]?.query.get("node")).toBe("n1");
});

test("allocations need 1.52", async () => {
  fake = await startFakeIronic();
  const client = await clientFor(fake, { maxVersion: "1.51" });
  await expect(client.allocations.create({ resource_class: "x" })).rejects.toBeInstanceOf(IronicUnsupportedFeature);
});
