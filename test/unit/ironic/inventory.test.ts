import { afterEach, expect, test } from "vitest";
import type { FakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, startFakeIronic } from "./fake-ironic-server.ts";

let fake: FakeHttp;
afterEach(() => fake?.close());
const route = `GET /v1/nodes/${NODE_UUID}/inventory`;
const notFound = {
  status: 404,
  body: {
    error_message: JSON.stringify({ faultstring: `Node inventory record for node ${NODE_UUID} could not be found.` }),
  },
};

test("the inventory's disks, sizes as numbers, unknown fields kept", async () => {
  fake = await startFakeIronic({
    [route]: {
      body: {
        inventory: {
          cpu: { count: 8 },
          disks: [{ name: "/dev/sda", size: "480103981056", serial: "S1", rotational: false }],
        },
        plugin_data: {},
      },
    },
  });
  const client = await clientFor(fake);
  expect(await client.nodes.inventoryDisks(NODE_UUID)).toEqual([
    { name: "/dev/sda", size: 480103981056, serial: "S1", rotational: false },
  ]);
  expect(fake.calls(route)[0]?.headers["x-openstack-ironic-api-version"]).toBe("1.82");
});

test("a node never inspected (404) has none; other failures are errors", async () => {
  fake = await startFakeIronic({ [route]: notFound });
  const client = await clientFor(fake);
  expect(await client.nodes.inventoryDisks(NODE_UUID)).toBeUndefined();
  fake.on(route, { status: 503, body: "down" });
  await expect(
    (await clientFor(fake, { retry: { attempts: 1 } })).nodes.inventoryDisks(NODE_UUID),
  ).rejects.toMatchObject({ status: 503 });
});

test("below API 1.81 there is no inventory resource: nothing is asked", async () => {
  fake = await startFakeIronic({ [route]: notFound });
  const client = await clientFor(fake, { maxVersion: "1.80" });
  expect(await client.nodes.inventoryDisks(NODE_UUID)).toBeUndefined();
  expect(fake.calls(route)).toHaveLength(0);
});
