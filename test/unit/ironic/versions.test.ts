import { afterEach, describe, expect, test } from "vitest";
import { IronicUnsupportedFeature, IronicVersionError } from "../../../src/ironic/errors.ts";
import { chooseVersion, serverRange } from "../../../src/ironic/versions.ts";
import { type FakeHttp, startFakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, fixture, startFakeIronic } from "./fake-ironic-server.ts";

let fake: FakeHttp;
afterEach(() => fake?.close());

describe("chooseVersion", () => {
  test.each([
    [{ min: "1.1", max: "1.82" }, undefined, "1.82"],
    [{ min: "1.1", max: "1.99" }, undefined, "1.99"], // a server below our max: its max
    [{ min: "1.1", max: "1.115" }, undefined, "1.109"], // newer server: our max
    [{ min: "1.1", max: "1.78" }, undefined, "1.78"], // older server: its max
    [{ min: "1.1", max: "1.82" }, "1.70", "1.70"], // configured cap
    [{ min: "1.1", max: "1.60" }, "1.70", "1.60"],
    [{ min: "1.1", max: "1.46" }, undefined, "1.46"], // exactly the floor
  ])("server %o cap %s → %s", (server, cap, expected) => {
    expect(chooseVersion(server, cap)).toBe(expected);
  });

  test("refuses servers below the floor, naming both versions", () => {
    expect(() => chooseVersion({ min: "1.1", max: "1.38" })).toThrow(IronicVersionError);
    expect(() => chooseVersion({ min: "1.1", max: "1.38" })).toThrow(
      "Ironic API 1.38 is too old: this CPI needs at least 1.46 (server supports 1.1–1.38)",
    );
    expect(() => chooseVersion({ min: "1.1", max: "1.82" }, "1.40")).toThrow(/configured cap 1\.40/);
  });

  test("refuses servers whose minimum is above what we speak", () => {
    expect(() => chooseVersion({ min: "1.110", max: "1.115" })).toThrow(
      "Ironic requires API 1.110 or newer, but this CPI supports at most 1.109",
    );
  });

  test("a malformed cap is a TypeError", () => {
    expect(() => chooseVersion({ min: "1.1", max: "1.82" }, "latest")).toThrow(TypeError);
  });
});

describe("serverRange", () => {
  test("from default_version, versions[], or headers", () => {
    expect(serverRange(fixture("root.json"))).toEqual({ min: "1.1", max: "1.82" });
    expect(serverRange({ versions: [{ id: "v1", min_version: "1.1", version: "1.80" }] })).toEqual({
      min: "1.1",
      max: "1.80",
    });
    expect(
      serverRange(
        {},
        { "x-openstack-ironic-api-minimum-version": "1.1", "x-openstack-ironic-api-maximum-version": "1.75" },
      ),
    ).toEqual({ min: "1.1", max: "1.75" });
    expect(() => serverRange({})).toThrow(/advertises no version range/);
  });
});

describe("negotiation", () => {
  test("one GET / without a version header, then the pinned version on every request (never latest)", async () => {
    fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: { body: fixture("node.json") } });
    const client = await clientFor(fake);
    expect(client.version).toBe("1.82");
    expect(client.serverVersions).toEqual({ min: "1.1", max: "1.82" });
    expect(client.requestCount).toBe(1);
    await client.nodes.get(NODE_UUID);
    const [root, get] = fake.requests;
    expect(root?.url).toBe("/");
    expect(root?.headers["x-openstack-ironic-api-version"]).toBeUndefined();
    expect(get?.headers["x-openstack-ironic-api-version"]).toBe("1.82");
  });

  test("a capped client refuses features above the cap without a request", async () => {
    fake = await startFakeIronic();
    const client = await clientFor(fake, { maxVersion: "1.65" });
    expect(client.version).toBe("1.65");
    expect(client.supports("network_data")).toBe(false);
    expect(() => client.require("network_data")).toThrow(IronicUnsupportedFeature);
    await expect(client.nodes.get(NODE_UUID, { fields: ["network_data"] })).rejects.toThrow(
      /"network_data" needs API microversion 1\.66, but 1\.65/,
    );
    expect(client.requestCount).toBe(1);
  });

  test("an old server is refused at creation", async () => {
    fake = await startFakeHttp({
      "GET /": { body: { default_version: { id: "v1", min_version: "1.1", version: "1.31" } } },
    });
    await expect(clientFor(fake)).rejects.toThrow(/1\.31 is too old/);
  });

  test("a non-Ironic endpoint is a clear error", async () => {
    fake = await startFakeHttp({ "GET /": { body: "<html>hello</html>" } });
    await expect(clientFor(fake)).rejects.toThrow(/Unexpected answer from Ironic GET .*: body is not JSON/);
  });
});
