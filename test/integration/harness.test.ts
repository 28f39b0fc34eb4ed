// Proves that the integration servers of the global setup are the real thing: Ironic's REST API with
// fake-hardware, nginx WebDAV with basic auth, and that the harness fails clearly on a busy port.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startIronic } from "../harness/ironic.ts";
import { startWebdav } from "../harness/webdav.ts";
import { ironic, ironicUrl, webdav, webdavAuthHeader } from "../support/servers.ts";
import { someConductorGroup } from "../support/ironic-fixtures.ts";

const API = { "X-OpenStack-Ironic-API-Version": "latest" };

function versionAtLeast(v: string, min: string): boolean {
  const [a = 0, b = 0] = v.split(".").map(Number);
  const [c = 0, d = 0] = min.split(".").map(Number);
  return a > c || (a === c && b >= d);
}

async function ironicJson(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${ironicUrl()}${path}`, {
    method,
    headers: { ...API, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

describe("Ironic (real, standalone)", () => {
  it("reports API version 1.82 or newer at / and the min/max headers on /v1", async () => {
    const root = await fetch(`${ironicUrl()}/`);
    expect(root.status).toBe(200);
    const body = (await root.json()) as { default_version: { version: string; min_version: string } };
    expect(versionAtLeast(body.default_version.version, "1.82")).toBe(true);

    // Debian's 21.4 sends the version headers on /v1 and below, not on the root document
    const v1 = await fetch(`${ironicUrl()}/v1/`, { headers: API });
    expect(v1.status).toBe(200);
    await v1.arrayBuffer();
    const max = v1.headers.get("x-openstack-ironic-api-maximum-version");
    const min = v1.headers.get("x-openstack-ironic-api-minimum-version");
    expect(min).toBe("1.1");
    expect(max).not.toBeNull();
    expect(versionAtLeast(max!, "1.82")).toBe(true);
  });

  it("has the fake-hardware driver with a conductor", async () => {
    const { status, json } = await ironicJson("GET", "/v1/drivers");
    expect(status).toBe(200);
    const fake = json.drivers.find((d: { name: string }) => d.name === "fake-hardware");
    expect(fake).toBeDefined();
    expect(fake.hosts.length).toBeGreaterThan(0);
  });

  it("creates and deletes a fake-hardware node with a port", async () => {
    const name = `harness-${randomBytes(4).toString("hex")}`;
    const node = await ironicJson("POST", "/v1/nodes", {
      name,
      driver: "fake-hardware",
      resource_class: "harness",
      conductor_group: someConductorGroup(),
    });
    expect(node.status).toBe(201);
    expect(node.json.provision_state).toBe("enroll");
    const uuid: string = node.json.uuid;
    try {
      const mac = `52:54:00:${randomBytes(3).toString("hex").match(/../g)!.join(":")}`;
      const port = await ironicJson("POST", "/v1/ports", { node_uuid: uuid, address: mac });
      expect(port.status).toBe(201);
      expect(port.json.address).toBe(mac);
      const listed = await ironicJson("GET", `/v1/ports?node=${uuid}`);
      expect(listed.json.ports.map((p: { uuid: string }) => p.uuid)).toEqual([port.json.uuid]);
      expect((await ironicJson("DELETE", `/v1/ports/${port.json.uuid}`)).status).toBe(204);
    } finally {
      expect((await ironicJson("DELETE", `/v1/nodes/${uuid}`)).status).toBe(204);
    }
    expect((await ironicJson("GET", `/v1/nodes/${uuid}`)).status).toBe(404);
  });

  it("writes its log into the provided state dir", () => {
    const log = join(ironic().stateDir, "log", "ironic.log");
    expect(existsSync(log)).toBe(true);
    expect(readFileSync(log, "utf8").length).toBeGreaterThan(0);
  });

  it("a second startIronic on the busy port fails fast with a clear error", async () => {
    const port = Number(new URL(ironicUrl()).port);
    const t0 = Date.now();
    await expect(startIronic({ port })).rejects.toThrow(`127.0.0.1:${port} is already in use`);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe("WebDAV (real nginx)", () => {
  const path = `harness-${randomBytes(4).toString("hex")}`;
  const url = (p: string) => `${webdav().url}${p}`;
  const auth = () => ({ Authorization: webdavAuthHeader() });

  it("has a URL ending with a slash", () => {
    expect(webdav().url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("rejects a PUT without credentials with 401", async () => {
    const res = await fetch(url(`${path}/noauth.bin`), { method: "PUT", body: "x" });
    await res.arrayBuffer();
    expect(res.status).toBe(401);
    expect(existsSync(join(webdav().dataDir, path, "noauth.bin"))).toBe(false);
  });

  it("rejects wrong credentials with 401", async () => {
    const bad = `Basic ${Buffer.from(`${webdav().username}:wrong`).toString("base64")}`;
    const res = await fetch(url(`${path}/bad.bin`), { method: "PUT", body: "x", headers: { Authorization: bad } });
    await res.arrayBuffer();
    expect(res.status).toBe(401);
  });

  it("PUT (creating parents) → 201, GET returns the same bytes, the file is in dataDir", async () => {
    const bytes = randomBytes(256 * 1024 + 7);
    const put = await fetch(url(`${path}/deep/er/blob.bin`), { method: "PUT", body: bytes, headers: auth() });
    await put.arrayBuffer();
    expect(put.status).toBe(201);
    const get = await fetch(url(`${path}/deep/er/blob.bin`), { headers: auth() });
    expect(get.status).toBe(200);
    expect(Buffer.from(await get.arrayBuffer()).equals(bytes)).toBe(true);
    expect(readFileSync(join(webdav().dataDir, path, "deep/er/blob.bin")).equals(bytes)).toBe(true);
  });

  it("MKCOL with a trailing slash → 201; DELETE of the collection with a trailing slash → 204", async () => {
    const mk = await fetch(url(`${path}/col/`), { method: "MKCOL", headers: auth() });
    await mk.arrayBuffer();
    expect(mk.status).toBe(201);
    const put = await fetch(url(`${path}/col/f.txt`), { method: "PUT", body: "f", headers: auth() });
    await put.arrayBuffer();
    expect(put.status).toBe(201);
    const del = await fetch(url(`${path}/col/`), { method: "DELETE", headers: auth() });
    await del.arrayBuffer();
    expect(del.status).toBe(204);
    expect(existsSync(join(webdav().dataDir, path, "col"))).toBe(false);
    const delAll = await fetch(url(`${path}/`), { method: "DELETE", headers: auth() });
    await delAll.arrayBuffer();
    expect(delAll.status).toBe(204);
  });

  it("answers PROPFIND (dav-ext module loaded)", async () => {
    const res = await fetch(webdav().url, { method: "PROPFIND", headers: { ...auth(), Depth: "1" } });
    expect(res.status).toBe(207);
    expect(await res.text()).toContain("multistatus");
  });

  it("a second startWebdav on the busy port fails fast with a clear error", async () => {
    const port = Number(new URL(webdav().url).port);
    await expect(startWebdav({ port })).rejects.toThrow(`127.0.0.1:${port} is already in use`);
  });
});
