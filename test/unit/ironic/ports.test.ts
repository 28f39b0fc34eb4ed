import { afterEach, expect, test } from "vitest";
import { IronicBadRequest, IronicConflict, IronicNodeLocked } from "../../../src/ironic/errors.ts";
import type { FakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, fixture, startFakeIronic } from "./fake-ironic-server.ts";

let fake: FakeHttp;
afterEach(() => fake?.close());
const port = fixture<{ uuid: string; address: string }>("port.json");

test("list by address / by node UUID / by node name — never /v1/nodes/<name>/ports", async () => {
  fake = await startFakeIronic({ "GET /v1/ports": { body: { ports: [port] } } });
  const client = await clientFor(fake);
  expect(await client.ports.byAddress("52:54:00:12:34:56")).toEqual([
    {
      uuid: port.uuid,
      address: "52:54:00:12:34:56",
      node_uuid: NODE_UUID,
      pxe_enabled: true,
      physical_network: null,
      extra: { nic: "eth0" },
    },
  ]);
  await client.ports.byNode(NODE_UUID);
  await client.ports.byNode("node-0");
  const queries = fake.calls("GET /v1/ports").map((r) => Object.fromEntries(r.query));
  const fields = "uuid,address,node_uuid,pxe_enabled,physical_network,extra";
  expect(queries).toEqual([
    { address: "52:54:00:12:34:56", fields },
    { node_uuid: NODE_UUID, fields },
    { node: "node-0", fields },
  ]);
  expect(fake.requests.some((r) => r.path.includes("/ports") && r.path.startsWith("/v1/nodes"))).toBe(false);
});

test("create: 201; duplicate MAC 409 (not retried); bad MAC 400", async () => {
  fake = await startFakeIronic({
    "POST /v1/ports": [
      { status: 201, body: port },
      { status: 409, body: fixture("error-409-duplicate-mac.json") },
      { status: 400, body: fixture("error-400-bad-mac.json") },
    ],
  });
  const client = await clientFor(fake);
  const body = { node_uuid: NODE_UUID, address: "52:54:00:12:34:56", pxe_enabled: true, extra: { nic: "eth0" } };
  expect((await client.ports.create(body)).uuid).toBe(port.uuid);
  const dup = await client.ports.create(body).catch((e: unknown) => e);
  expect(dup).toBeInstanceOf(IronicConflict);
  expect(dup).not.toBeInstanceOf(IronicNodeLocked);
  expect((dup as IronicConflict).ironicMessage).toBe("A port with MAC address 52:54:00:12:34:56 already exists.");
  await expect(client.ports.create({ ...body, address: "zz:54:00:12:34:56" })).rejects.toThrow(IronicBadRequest);
  expect(fake.calls("POST /v1/ports")).toHaveLength(3);
  expect(fake.calls("POST /v1/ports")[0]?.json).toEqual(body);
});
