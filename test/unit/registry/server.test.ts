// The registry's HTTP behaviour over a real local socket, with an in-memory store behind it
// (end to end with nginx: test/integration/registry-server.test.ts).
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RegistryRecords } from "../../../src/registry/records.ts";
import { createRegistryServer, MAX_BODY_BYTES } from "../../../src/registry/server.ts";
import { WebdavHttpError, WebdavUnavailable } from "../../../src/webdav/errors.ts";
import { FakeStore } from "../services/stemcell/fake-store.ts";

const ID = "6a1c0e4d-2b3f-4a5e-9c7d-8e9f0a1b2c3d";
const AUTH = `Basic ${Buffer.from("registry:reg-secret").toString("base64")}`;

let store: FakeStore;
let server: Server;
let base: string;
let logged: Record<string, unknown>[];

async function start(readRequiresAuth = true) {
  store = new FakeStore();
  logged = [];
  const log = {
    info: (o: object) => void logged.push(o as Record<string, unknown>),
    warn() {},
    error: (o: object) => void logged.push(o as Record<string, unknown>),
  };
  server = createRegistryServer({
    records: new RegistryRecords(store.asStore(), "registry"),
    auth: { username: "registry", password: "reg-secret", readRequiresAuth },
    log: log as never,
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
beforeEach(() => start());
afterEach(() => new Promise<void>((r) => server.close(() => r())));

async function call(method: string, path: string, opts: { auth?: string | null; body?: string } = {}) {
  const auth = opts.auth === undefined ? AUTH : opts.auth;
  const res = await fetch(`${base}${path}`, { method, headers: auth ? { authorization: auth } : {}, body: opts.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

describe("registry server", () => {
  it("PUT then GET: the exact envelope, settings as a JSON string", async () => {
    const settings = '{"agent_id":"a1","disks":{"persistent":{}}}';
    expect(await call("PUT", `/instances/${ID}/settings`, { body: settings })).toMatchObject({
      status: 200,
      json: { status: "ok" },
    });
    const got = await call("GET", `/instances/${ID}/settings`);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("application/json");
    expect(got.text).toBe(JSON.stringify({ settings, status: "ok" }));
    expect(store.objects.get(`/registry/instances/${ID}/settings`)?.toString()).toBe(settings);
  });

  it("404 with a JSON body for absent settings and unknown paths", async () => {
    expect(await call("GET", `/instances/${ID}/settings`)).toMatchObject({
      status: 404,
      json: { status: "not_found" },
    });
    expect(await call("GET", "/instances")).toMatchObject({ status: 404, json: { status: "not_found" } });
    expect(await call("GET", `/instances/${ID}/other`)).toMatchObject({ status: 404 });
  });

  it("DELETE is idempotent", async () => {
    await call("PUT", `/instances/${ID}/settings`, { body: "{}" });
    expect(await call("DELETE", `/instances/${ID}/settings`)).toMatchObject({ status: 200, json: { status: "ok" } });
    expect(await call("DELETE", `/instances/${ID}/settings`)).toMatchObject({ status: 200 });
    expect(store.objects.size).toBe(0);
  });

  it("writes need basic auth; so do reads unless read_requires_auth is false", async () => {
    const wrong = `Basic ${Buffer.from("registry:nope").toString("base64")}`;
    for (const [method, body] of [
      ["PUT", "{}"],
      ["DELETE", undefined],
      ["GET", undefined],
    ] as const) {
      for (const auth of [null, wrong]) {
        const r = await call(method, `/instances/${ID}/settings`, { auth, body });
        expect(r.status).toBe(401);
        expect(r.headers.get("www-authenticate")).toBe('Basic realm="BOSH registry"');
      }
    }
    expect(store.requestCount).toBe(0);
    server.close();
    await start(false);
    expect((await call("GET", `/instances/${ID}/settings`, { auth: null })).status).toBe(404);
    expect((await call("PUT", `/instances/${ID}/settings`, { auth: null, body: "{}" })).status).toBe(401);
  });

  it("refuses ids that are not one safe segment without touching the store", async () => {
    for (const id of ["..", "..%2f..%2fetc", "a%00b", "%2e%2e", "-x", "a b"]) {
      const r = await call("GET", `/instances/${id.replace(" ", "%20")}/settings`);
      expect([400, 404]).toContain(r.status);
    }
    expect((await call("GET", "/instances/..%2fstemcell-1/settings")).status).toBe(400);
    expect(store.requestCount).toBe(0);
  });

  it("refuses bodies that are not a JSON object, and bodies over the size limit", async () => {
    expect(await call("PUT", `/instances/${ID}/settings`, { body: "not json" })).toMatchObject({
      status: 400,
      json: { status: "error" },
    });
    expect(await call("PUT", `/instances/${ID}/settings`, { body: "[1]" })).toMatchObject({ status: 400 });
    expect(
      (await call("PUT", `/instances/${ID}/settings`, { body: `{"x":"${"a".repeat(MAX_BODY_BYTES)}"}` })).status,
    ).toBe(413);
    expect(store.objects.size).toBe(0);
  });

  it("405 with Allow for other methods", async () => {
    const r = await call("POST", `/instances/${ID}/settings`, { body: "{}" });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("GET, HEAD, PUT, DELETE");
  });

  it("a failing store: 503 when unreachable, 502 otherwise, details only in the log", async () => {
    store.failures.set(
      `GET /registry/instances/${ID}/settings`,
      new WebdavUnavailable("GET", "/p", "ECONNREFUSED", "http://10.0.0.9:80"),
    );
    const down = await call("GET", `/instances/${ID}/settings`);
    expect(down).toMatchObject({ status: 503, json: { status: "error", message: "registry backend unavailable" } });
    expect(down.text).not.toContain("10.0.0.9");
    store.failures.set(`GET /registry/instances/${ID}/settings`, new WebdavHttpError("GET", "/p", 403));
    expect((await call("GET", `/instances/${ID}/settings`)).status).toBe(502);
    expect(JSON.stringify(logged)).toContain("ECONNREFUSED");
    expect(JSON.stringify(logged)).not.toContain("reg-secret");
  });
});
