import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import type { FakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, fixture, startFakeIronic } from "./fake-ironic-server.ts";

let fake: FakeHttp;
afterEach(() => fake?.close());

test("createIronicClient negotiates once; requestCount is live", async () => {
  fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: { body: fixture("node.json") } });
  const client = await clientFor(fake);
  expect(client.requestCount).toBe(1);
  await client.nodes.get(NODE_UUID);
  await client.nodes.get(NODE_UUID);
  expect(client.requestCount).toBe(3);
  expect(fake.calls("GET /")).toHaveLength(1);
  expect(Object.keys(client).sort()).toEqual([
    "nodes",
    "ports",
    "requestCount",
    "require",
    "serverVersions",
    "states",
    "supports",
    "version",
    "waitForNode",
  ]);
});

test("src/ironic knows no BOSH: imports only got, zod, pino types, node:, its own files, the shared src/http, src/errors.ts and src/issues.ts; files stay under the hard limit", () => {
  const dir = join(import.meta.dirname, "../../../src/ironic");
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), "utf8");
    const imports = [...text.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
    for (const spec of imports)
      expect(spec, `${file} imports ${spec}`).toMatch(
        /^(got|zod|pino|node:.*|\.\/[a-z-]+\.ts|\.\.\/http\/[a-z-]+\.ts|\.\.\/(errors|issues)\.ts)$/,
      );
    expect(text.split("\n").length, file).toBeLessThanOrEqual(300);
    expect(text, file).not.toMatch(/\bbosh\b(?!-ironic-cpi)/i);
  }
});
