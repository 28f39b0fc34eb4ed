import { afterEach, describe, expect, test } from "vitest";
import { IronicNodeAssociated, IronicNotFound, IronicUnsupportedFeature } from "../../../src/ironic/errors.ts";
import { NODE_LIST_FIELDS } from "../../../src/ironic/node-schema.ts";
import { add } from "../../../src/ironic/patch.ts";
import type { FakeHttp, FakeRequest } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, fixture, startFakeIronic } from "./fake-ironic-server.ts";

let fake: FakeHttp;
afterEach(() => fake?.close());

const node = fixture<Record<string, unknown>>("node.json");

describe("listNodes", () => {
  test("filters and the default field list (no allocation_uuid) go into the query", async () => {
    fake = await startFakeIronic({ "GET /v1/nodes": { body: { nodes: [] } } });
    const client = await clientFor(fake);
    await client.nodes.list({
      provision_state: "available",
      associated: false,
      maintenance: false,
      resource_class: "bosh-small",
      conductor_group: "",
      owner: "bosh",
      driver: "fake-hardware",
      fault: "power failure",
      instance_uuid: "i-1",
    });
    const q = fake.calls("GET /v1/nodes")[0]?.query;
    expect(Object.fromEntries(q ?? [])).toEqual({
      provision_state: "available",
      associated: "false",
      maintenance: "false",
      resource_class: "bosh-small",
      conductor_group: "",
      owner: "bosh",
      driver: "fake-hardware",
      fault: "power failure",
      instance_uuid: "i-1",
      // the fake serves 1.82: the default list leaves out the fields newer than that
      fields: NODE_LIST_FIELDS.filter((f) => f !== "disable_power_off" && f !== "health").join(","),
    });
    expect(q?.get("fields")).not.toContain("allocation_uuid");
    expect(q?.get("fields")?.split(",")).not.toContain("updated_at"); // 400 "not a valid field" in Ironic 21.4
  });

  test("follows `next` on our own base URL: 5 nodes, limit 2 → 3 requests", async () => {
    const names = ["n0", "n1", "n2", "n3", "n4"];
    const page = (req: FakeRequest) => {
      const start = req.query.get("marker") ? names.indexOf(req.query.get("marker") ?? "") + 1 : 0;
      const items = names.slice(start, start + 2).map((n) => ({ uuid: n, name: n }));
      const next =
        items.length === 2
          ? `http://ironic.internal:6385/v1/nodes?fields=uuid,name&limit=2&marker=${items[1]?.uuid}`
          : undefined;
      return { body: { nodes: items, ...(next ? { next } : {}) } };
    };
    fake = await startFakeIronic({ "GET /v1/nodes": page });
    const client = await clientFor(fake);
    const before = client.requestCount;
    const nodes = await client.nodes.list({ fields: ["name"], pageSize: 2 });
    expect(nodes.map((n) => n.name)).toEqual(names);
    expect(client.requestCount - before).toBe(3);
    expect(fake.calls("GET /v1/nodes").map((r) => r.url)).toEqual([
      "/v1/nodes?fields=uuid%2Cname&limit=2",
      "/v1/nodes?fields=uuid%2Cname&limit=2&marker=n1",
      "/v1/nodes?fields=uuid%2Cname&limit=2&marker=n3",
    ]);
  });

  test("Ironic's real page fixtures (limit 2 over 4 nodes, last page empty)", async () => {
    fake = await startFakeIronic({
      "GET /v1/nodes": (req) => {
        const marker = req.query.get("marker");
        const file = !marker
          ? "nodes-page-1.json"
          : marker.startsWith("4adacfc9")
            ? "nodes-page-2.json"
            : "nodes-page-3.json";
        return { body: fixture(file) };
      },
    });
    const client = await clientFor(fake);
    const nodes = await client.nodes.list({ fields: ["name", "provision_state"], pageSize: 2 });
    expect(nodes.map((n) => n.name)).toEqual(["n1", "n2", "n3", "n4"]);
    expect(nodes[0]).toEqual({ uuid: NODE_UUID, name: "n1", provision_state: "enroll" }); // links stripped
    expect(fake.calls("GET /v1/nodes")).toHaveLength(3);
  });

  test("refuses allocation_uuid (a 500 on lists) and too-new filters without a request", async () => {
    fake = await startFakeIronic();
    const client = await clientFor(fake, { maxVersion: "1.49" });
    await expect(client.nodes.list({ fields: ["allocation_uuid"] })).rejects.toThrow(
      /allocation_uuid cannot be listed/,
    );
    await expect(client.nodes.list({ fields: ["updated_at"] })).rejects.toThrow(/updated_at cannot be selected/);
    await expect(client.nodes.get(NODE_UUID, { fields: ["updated_at"] })).rejects.toThrow(RangeError);
    await expect(client.nodes.list({ owner: "x" })).rejects.toThrow(IronicUnsupportedFeature);
    expect(client.requestCount).toBe(1);
  });

  test("default fields drop what the pinned version lacks", async () => {
    fake = await startFakeIronic({ "GET /v1/nodes": { body: { nodes: [] } } });
    const client = await clientFor(fake, { maxVersion: "1.46" });
    await client.nodes.list();
    const fields = fake.calls("GET /v1/nodes")[0]?.query.get("fields")?.split(",");
    expect(fields).toContain("conductor_group");
    expect(fields).not.toContain("owner");
    expect(fields).not.toContain("network_data");
  });
});

describe("single node", () => {
  test("get parses the real node; driver_info never survives parsing", async () => {
    fake = await startFakeIronic({
      [`GET /v1/nodes/${NODE_UUID}`]: { body: { ...node, driver_info: { ipmi_password: "bmc-secret" } } },
    });
    const client = await clientFor(fake);
    const n = await client.nodes.get(NODE_UUID);
    expect(n).toMatchObject({
      uuid: NODE_UUID,
      name: "n1",
      provision_state: "enroll",
      power_state: null,
      traits: [],
      allocation_uuid: null,
      network_data: {},
    });
    expect(JSON.stringify(n)).not.toContain("bmc-secret");
    expect(n).not.toHaveProperty("driver_info");
  });

  test("get by name with fields (uuid always added); names are URL-encoded", async () => {
    fake = await startFakeIronic({
      "GET /v1/nodes/rack%201%2Fnode": { body: { uuid: NODE_UUID, allocation_uuid: "a-1" } },
    });
    const client = await clientFor(fake);
    const n = await client.nodes.get("rack 1/node", { fields: ["allocation_uuid"] });
    expect(n).toEqual({ uuid: NODE_UUID, allocation_uuid: "a-1" });
    expect(fake.requests[1]?.query.get("fields")).toBe("uuid,allocation_uuid");
  });

  test("find: undefined on 404", async () => {
    fake = await startFakeIronic({ "GET /v1/nodes/nope": { status: 404, body: fixture("error-404-node.json") } });
    const client = await clientFor(fake);
    expect(await client.nodes.find("nope")).toBeUndefined();
    await expect(client.nodes.get("nope")).rejects.toBeInstanceOf(IronicNotFound);
  });

  test("create, patch (claim), delete, validate", async () => {
    fake = await startFakeIronic({
      "POST /v1/nodes": { status: 201, body: node },
      [`PATCH /v1/nodes/${NODE_UUID}`]: [
        { body: { ...node, instance_uuid: "i-1" } },
        { status: 409, body: fixture("error-409-associated.json") },
      ],
      [`DELETE /v1/nodes/${NODE_UUID}`]: { status: 204 },
      [`GET /v1/nodes/${NODE_UUID}/validate`]: { body: fixture("validate.json") },
    });
    const client = await clientFor(fake);
    const created = await client.nodes.create({
      name: "n1",
      driver: "fake-hardware",
      driver_info: { ipmi_password: "x" },
    });
    expect(created.uuid).toBe(NODE_UUID);
    expect(fake.calls("POST /v1/nodes")[0]?.json).toEqual({
      name: "n1",
      driver: "fake-hardware",
      driver_info: { ipmi_password: "x" },
    });
    expect((await client.nodes.patch(NODE_UUID, [add(["instance_uuid"], "i-1")])).instance_uuid).toBe("i-1");
    expect(fake.calls(`PATCH /v1/nodes/${NODE_UUID}`)[0]?.json).toEqual([
      { op: "add", path: "/instance_uuid", value: "i-1" },
    ]);
    await expect(client.nodes.patch(NODE_UUID, [add(["instance_uuid"], "i-2")])).rejects.toBeInstanceOf(
      IronicNodeAssociated,
    );
    await client.nodes.delete(NODE_UUID);
  });
});

describe("a client confined to a scope (shard, owner, lessee)", () => {
  test("lists only the scope, answers a node outside it as not found, and creates nodes inside it", async () => {
    const inside = { ...node, uuid: NODE_UUID, shard: "bosh-a", owner: "team" };
    const other = "00000000-0000-4000-8000-0000000000b0";
    fake = await startFakeIronic({
      "GET /v1/nodes": { body: { nodes: [inside] } },
      [`GET /v1/nodes/${NODE_UUID}`]: { body: inside },
      [`GET /v1/nodes/${other}`]: { body: { ...node, uuid: other, shard: "bosh-b", owner: "team" } },
      "POST /v1/nodes": (req) => ({ status: 201, body: { ...node, ...(req.json as object) } }),
      [`PATCH /v1/nodes/${NODE_UUID}`]: { body: inside },
    });
    const client = await clientFor(fake, { scope: { shard: "bosh-a", owner: "team" } });
    await client.nodes.list({ provision_state: "available", fields: ["name"] });
    expect(Object.fromEntries(fake.calls("GET /v1/nodes")[0]!.query)).toMatchObject({
      provision_state: "available",
      shard: "bosh-a",
      owner: "team",
    });
    // a filter of the caller's own that contradicts the scope finds nothing, without asking
    expect(await client.nodes.list({ owner: "someone-else" })).toEqual([]);
    expect(fake.calls("GET /v1/nodes")).toHaveLength(1);

    expect((await client.nodes.get(NODE_UUID, { fields: ["name"] })).uuid).toBe(NODE_UUID);
    expect(fake.calls(`GET /v1/nodes/${NODE_UUID}`)[0]!.query.get("fields")?.split(",")).toEqual(
      expect.arrayContaining(["shard", "owner"]),
    );
    const outside = await client.nodes.get(other).catch((e: unknown) => e);
    expect(outside).toBeInstanceOf(IronicNotFound);
    expect((outside as IronicNotFound).ironicMessage).toBe(`Node ${other} is outside this client's shard bosh-a.`);
    expect(await client.nodes.find(other)).toBeUndefined();

    await client.nodes.create({ driver: "redfish", name: "new", uuid: NODE_UUID });
    // the shard in the POST; the owner in a PATCH right after (Ironic refuses it in a POST without a project)
    expect(fake.calls("POST /v1/nodes")[0]!.json).toEqual({
      driver: "redfish",
      name: "new",
      uuid: NODE_UUID,
      shard: "bosh-a",
    });
    expect(fake.calls(`PATCH /v1/nodes/${NODE_UUID}`)[0]!.json).toEqual([{ op: "add", path: "/owner", value: "team" }]);
    await expect(client.nodes.create({ driver: "redfish", shard: "bosh-b" })).rejects.toThrow(
      "a node with shard bosh-b would be outside this client's shard bosh-a",
    );
  });

  test("a shard needs API 1.82: an older Ironic is refused by name", async () => {
    fake = await startFakeIronic({
      "GET /": {
        body: {
          ...fixture<Record<string, unknown>>("root.json"),
          default_version: { id: "v1", min_version: "1.1", version: "1.80" },
        },
      },
    });
    const client = await clientFor(fake, { scope: { shard: "bosh-a" } });
    await expect(client.nodes.list({})).rejects.toBeInstanceOf(IronicUnsupportedFeature);
  });
});
