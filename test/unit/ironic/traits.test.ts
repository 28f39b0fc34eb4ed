import { afterEach, expect, test } from "vitest";
import type { FakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, startFakeIronic } from "./fake-ironic-server.ts";

let fake: FakeHttp;
afterEach(() => fake?.close());
const base = `/v1/nodes/${NODE_UUID}/traits`;

test("set all, add one, remove one, list", async () => {
  fake = await startFakeIronic({
    [`PUT ${base}`]: { status: 204 },
    [`PUT ${base}/CUSTOM_GPU`]: { status: 204 },
    [`DELETE ${base}/CUSTOM_GPU`]: { status: 204 },
    [`GET ${base}`]: { body: { traits: ["CUSTOM_BOSH", "CUSTOM_GPU"] } },
  });
  const client = await clientFor(fake);
  await client.traits.set(NODE_UUID, ["CUSTOM_BOSH"]);
  await client.traits.add(NODE_UUID, "CUSTOM_GPU");
  await client.traits.remove(NODE_UUID, "CUSTOM_GPU");
  expect(await client.traits.list(NODE_UUID)).toEqual(["CUSTOM_BOSH", "CUSTOM_GPU"]);
  expect(fake.calls(`PUT ${base}`)[0]?.json).toEqual({ traits: ["CUSTOM_BOSH"] });
  expect(fake.calls(`PUT ${base}/CUSTOM_GPU`)[0]?.body).toBe("");
});
