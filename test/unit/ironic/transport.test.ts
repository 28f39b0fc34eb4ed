import { afterEach, describe, expect, test } from "vitest";
import * as z from "zod";
import * as E from "../../../src/ironic/errors.ts";
import { Transport, redactUrl } from "../../../src/ironic/transport.ts";
import { negotiate } from "../../../src/ironic/versions.ts";
import type { FakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, fixture, startFakeIronic, transportFor } from "./fake-ironic-server.ts";

let fake: FakeHttp;
afterEach(() => fake?.close());

const node = fixture<Record<string, unknown>>("node.json");
const proxy502 = { status: 502, body: fixture<string>("error-502-proxy.html") };
const e503 = { status: 503, body: "Service Unavailable" };

describe("retries", () => {
  test("503 then success: one retry after the backoff, requests counted", async () => {
    fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: [e503, { body: node }] });
    const sleeps: number[] = [];
    const client = await clientFor(fake, {}, sleeps);
    const got = await client.nodes.get(NODE_UUID);
    expect(got.uuid).toBe(NODE_UUID);
    expect(sleeps).toEqual([75]); // base 100 → 50 + 0.5 * 50
    expect(client.requestCount).toBe(3); // GET /, 503, 200
  });

  test("gives up after `attempts` with the last HTTP error", async () => {
    fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: proxy502 });
    const sleeps: number[] = [];
    const client = await clientFor(fake, {}, sleeps);
    const err = await client.nodes.get(NODE_UUID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(E.IronicHttpError);
    expect((err as E.IronicHttpError).status).toBe(502);
    expect((err as E.IronicHttpError).ironicMessage).toContain("502 Bad Gateway");
    expect(sleeps).toEqual([75, 150, 300]);
    expect(fake.calls(`GET /v1/nodes/${NODE_UUID}`)).toHaveLength(4);
  });

  test("409 locked is retried until the final answer; 409 associated is not retried", async () => {
    const locked = { status: 409, body: fixture("error-409-locked.json") };
    const associated = { status: 409, body: fixture("error-409-associated.json") };
    fake = await startFakeIronic({ [`PATCH /v1/nodes/${NODE_UUID}`]: [locked, locked, associated, { body: node }] });
    const client = await clientFor(fake);
    const err = await client.nodes
      .patch(NODE_UUID, [{ op: "add", path: "/instance_uuid", value: "x" }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(E.IronicNodeAssociated);
    expect(fake.calls(`PATCH /v1/nodes/${NODE_UUID}`)).toHaveLength(3);
  });

  test("POST is not retried on 503 (when its effect cannot be checked)", async () => {
    fake = await startFakeIronic({ "POST /v1/things": [e503, { status: 201, body: {} }] });
    const client = transportFor(fake);
    await expect(client.post("things", { json: { resource_class: "bosh" } })).rejects.toMatchObject({ status: 503 });
    expect(fake.calls("POST /v1/things")).toHaveLength(1);
  });

  test("socket hang up: GET retried, POST not", async () => {
    fake = await startFakeIronic({
      [`GET /v1/nodes/${NODE_UUID}`]: [{ hangUp: true }, { body: node }],
      "POST /v1/things": [{ hangUp: true }, { status: 201, body: {} }],
    });
    const client = transportFor(fake);
    expect((await client.get(`nodes/${NODE_UUID}`, { schema: z.object({ uuid: z.string() }) })).uuid).toBe(NODE_UUID);
    const err = await client.post("things", { json: { resource_class: "bosh" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(E.IronicUnavailable);
    expect((err as E.IronicUnavailable).code).toBe("ECONNRESET");
    expect(fake.calls("POST /v1/things")).toHaveLength(1);
  });

  test("connection refused: even POST is retried, then IronicUnavailable", async () => {
    fake = await startFakeIronic();
    const url = fake.url;
    await fake.close();
    const sleeps: number[] = [];
    const t = new Transport({
      url,
      retry: { attempts: 3, baseMs: 10, maxMs: 10 },
      sleep: async (ms) => void sleeps.push(ms),
    });
    const err = await t.post("ports", { json: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(E.IronicUnavailable);
    expect(err).toMatchObject({ code: "ECONNREFUSED", attempts: 3, method: "POST", url: `${url}/v1/ports` });
    expect(t.requestCount).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  test("a request timeout is IronicUnavailable ETIMEDOUT", async () => {
    fake = await startFakeIronic({ "GET /v1/slow": { delayMs: 500, body: {} } });
    const t = new Transport({ url: fake.url, timeoutMs: 100, retry: { attempts: 1 } });
    await expect(t.get("slow")).rejects.toMatchObject({ name: "IronicUnavailable", code: "ETIMEDOUT" });
  });
});

describe("requests", () => {
  test("JSON in and out, query building, pinned version header", async () => {
    fake = await startFakeIronic({ "POST /v1/things": { status: 201, body: { ok: true } } });
    const t = transportFor(fake);
    await negotiate(t); // as createIronicClient does: the pinned version is sent from now on
    const out = await t.post("things", {
      json: { a: 1 },
      query: { fields: ["uuid", "name"], maintenance: false, skip: undefined },
      schema: z.object({ ok: z.boolean() }),
    });
    expect(out).toEqual({ ok: true });
    const [req] = fake.calls("POST /v1/things");
    expect(req?.json).toEqual({ a: 1 });
    expect(req?.headers["content-type"]).toMatch(/^application\/json/);
    expect(req?.headers["x-openstack-ironic-api-version"]).toBe("1.82");
    expect(req?.url).toBe("/v1/things?fields=uuid%2Cname&maintenance=false");
  });

  test("http_basic sends the Authorization header and never shows it in errors", async () => {
    fake = await startFakeIronic({ "GET /v1/nodes/nope": { status: 404, body: fixture("error-404-node.json") } });
    const client = await clientFor(fake, { auth: { type: "http_basic", username: "ironic", password: "s3cr3t" } });
    const err = await client.nodes.get("nope").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(E.IronicNotFound);
    expect(
      fake.requests.every(
        (r) => r.headers.authorization === `Basic ${Buffer.from("ironic:s3cr3t").toString("base64")}`,
      ),
    ).toBe(true);
    const dump = JSON.stringify({ ...(err as object), message: (err as Error).message, stack: (err as Error).stack });
    expect(dump).not.toMatch(/s3cr3t|aXJvbmljOnMzY3IzdA|Basic/);
    expect((err as Error).message).toBe(
      `Ironic GET ${fake.url}/v1/nodes/nope failed with HTTP 404: Node does-not-exist could not be found.`,
    );
  });

  test("credentials in the URL are redacted from errors", async () => {
    fake = await startFakeIronic({ "GET /v1/x": { status: 500, body: "boom" } });
    const t = new Transport({ url: fake.url.replace("//", "//user:pw@"), retry: { attempts: 1 } });
    const err = (await t.get("x").catch((e: unknown) => e)) as E.IronicHttpError;
    expect(err.url).toBe(`${fake.url}/v1/x`);
    expect(err.message).not.toContain("pw");
    expect(redactUrl("https://a:b@h:1/p")).toBe("https://h:1/p");
  });

  test("a 2xx body of the wrong shape is IronicBadResponse, not a zod error", async () => {
    fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: { body: { name: "no uuid" } } });
    const client = await clientFor(fake);
    await expect(client.nodes.get(NODE_UUID)).rejects.toThrow(/^Unexpected answer from Ironic GET .*: uuid: /);
  });
});
