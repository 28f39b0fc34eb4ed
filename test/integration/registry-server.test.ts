// The registry server end to end over real HTTP(S), backed by the real nginx WebDAV: in process, and as
// the bundled process the release's registry job runs (TLS, SIGTERM, bad configuration).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildInto } from "../../scripts/build.mjs";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryRecords } from "../../src/registry/records.ts";
import { createRegistryServer } from "../../src/registry/server.ts";
import { WebdavStore } from "../../src/webdav/store.ts";
import { SECRETS } from "../support/secrets.ts";
import { webdav } from "../support/servers.ts";
import { settledAccessLogLines } from "../unit/webdav/traversals.ts";

const PREFIX = `it-registry-${randomBytes(4).toString("hex")}`;
const PASSWORD = SECRETS.registryPassword;
const AUTH = `Basic ${Buffer.from(`registry:${PASSWORD}`).toString("base64")}`;
const work = mkdtempSync(join(tmpdir(), "it-registry-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const onDisk = (id: string) => join(webdav().dataDir, PREFIX, "instances", id, "settings");

function storeOf(url = webdav().url, retries = 1): WebdavStore {
  const w = webdav();
  return new WebdavStore({ url, username: w.username, password: w.password, retries, sleep: async () => {} });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("registry server (in process) on nginx", () => {
  let server: Server;
  let base: string;
  const store = storeOf();
  beforeAll(async () => {
    server = createRegistryServer({
      records: new RegistryRecords(store, PREFIX),
      auth: { username: "registry", password: PASSWORD, readRequiresAuth: true },
      log: pino({ level: "silent" }),
    });
    base = await listen(server);
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    store.close();
  });
  const call = async (method: string, path: string, body?: string, auth: string | null = AUTH) => {
    const res = await fetch(`${base}${path}`, { method, body, headers: auth ? { authorization: auth } : {} });
    return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
  };

  it("PUT stores the body in the WebDAV tree; GET answers the exact envelope; DELETE removes it", async () => {
    const id = randomUUID();
    const settings = JSON.stringify({
      agent_id: "agent-7",
      vm: { name: id },
      disks: { system: "/dev/sda", persistent: { "disk-1": { path: "/dev/sdc" } } },
      env: { bosh: { password: "$6$x" } },
    });
    expect(await call("PUT", `/instances/${id}/settings`, settings)).toEqual({
      status: 200,
      text: '{"status":"ok"}',
      type: "application/json",
    });
    expect(readFileSync(onDisk(id), "utf8")).toBe(settings);
    const got = await call("GET", `/instances/${id}/settings`);
    expect(got).toEqual({ status: 200, text: JSON.stringify({ settings, status: "ok" }), type: "application/json" });
    expect(JSON.parse(JSON.parse(got.text).settings)).toEqual(JSON.parse(settings)); // what the agent does
    expect(await call("DELETE", `/instances/${id}/settings`)).toMatchObject({ status: 200 });
    expect(existsSync(join(webdav().dataDir, PREFIX, "instances", id))).toBe(false);
    expect(await call("GET", `/instances/${id}/settings`)).toMatchObject({ status: 404, type: "application/json" });
    expect(await call("DELETE", `/instances/${id}/settings`)).toMatchObject({ status: 200 });
  });

  it("needs auth for writes and (by default) reads: 401 without, nothing written", async () => {
    const id = randomUUID();
    expect((await call("PUT", `/instances/${id}/settings`, "{}", null)).status).toBe(401);
    expect(
      (
        await call(
          "PUT",
          `/instances/${id}/settings`,
          "{}",
          `Basic ${Buffer.from("registry:wrong").toString("base64")}`,
        )
      ).status,
    ).toBe(401);
    expect((await call("GET", `/instances/${id}/settings`, undefined, null)).status).toBe(401);
    expect(existsSync(onDisk(id))).toBe(false);
  });

  it("404 JSON for paths outside the API; ids that are not one safe segment: 400 before nginx sees anything", async () => {
    expect(await call("GET", "/")).toMatchObject({ status: 404, type: "application/json" });
    expect(await call("GET", "/instances/x/settings/extra")).toMatchObject({ status: 404 });
    const before = await settledAccessLogLines(webdav().dataDir);
    for (const id of ["..%2f..%2fstemcell-1", "a%2fb", "%00", "-x", "a%20b", "x%0ay"]) {
      expect((await call("PUT", `/instances/${id}/settings`, "{}")).status).toBe(400);
      expect((await call("GET", `/instances/${id}/settings`)).status).toBe(400);
    }
    expect(await settledAccessLogLines(webdav().dataDir)).toBe(before);
  });

  it("answers 503 (JSON) when WebDAV is down", async () => {
    const down = storeOf("http://127.0.0.1:1/", 0);
    const s = createRegistryServer({
      records: new RegistryRecords(down, PREFIX),
      auth: { username: "registry", password: PASSWORD, readRequiresAuth: true },
      log: pino({ level: "silent" }),
    });
    const url = await listen(s);
    const res = await fetch(`${url}/instances/${randomUUID()}/settings`, { headers: { authorization: AUTH } });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "error", message: "registry backend unavailable" });
    await new Promise((r) => s.close(r));
    down.close();
  });
});

describe("the bundled registry process", () => {
  let bundle: string;
  let cert: string;
  beforeAll(async () => {
    // built as npm run build does, into a private directory (dist/ belongs to the build)
    await buildInto(join(work, "dist"));
    bundle = join(work, "dist", "registry.js");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(work, "key.pem"),
        "-out",
        join(work, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(join(work, "cert.pem"), "utf8");
  });

  function configFile(name: string, doc: unknown): string {
    const p = join(work, name);
    writeFileSync(p, JSON.stringify(doc));
    return p;
  }

  function start(config: string): {
    child: ChildProcess;
    lines: Record<string, unknown>[];
    exited: Promise<number | null>;
    listening: Promise<number>;
  } {
    const child = spawn(process.execPath, [bundle, "--config", config], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: Record<string, unknown>[] = [];
    let buf = "";
    let resolvePort: (p: number) => void;
    const listening = new Promise<number>((r) => (resolvePort = r));
    child.stderr!.on("data", (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const rec = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
        buf = buf.slice(i + 1);
        lines.push(rec);
        if (typeof rec["port"] === "number" && /listening/.test(String(rec["msg"]))) resolvePort(rec["port"]);
      }
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    return { child, lines, exited, listening };
  }

  function httpsCall(
    port: number,
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        { host: "127.0.0.1", port, method, path, ca: cert, headers: { authorization: AUTH } },
        (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  it("serves HTTPS from its config file, logs JSON lines without secrets, and stops cleanly on SIGTERM", async () => {
    const w = webdav();
    const config = configFile("registry.json", {
      listen: { host: "127.0.0.1", port: 0 },
      tls: { cert_file: join(work, "cert.pem"), key_file: join(work, "key.pem") },
      auth: { username: "registry", password: PASSWORD },
      store: { url: w.url, username: w.username, password: w.password, retries: 1 },
      prefix: PREFIX,
    });
    const p = start(config);
    const port = await p.listening;
    const id = randomUUID();
    expect(await httpsCall(port, "PUT", `/instances/${id}/settings`, '{"agent_id":"a"}')).toEqual({
      status: 200,
      text: '{"status":"ok"}',
    });
    expect(await httpsCall(port, "GET", `/instances/${id}/settings`)).toEqual({
      status: 200,
      text: JSON.stringify({ settings: '{"agent_id":"a"}', status: "ok" }),
    });
    expect(readFileSync(onDisk(id), "utf8")).toBe('{"agent_id":"a"}');
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(p.lines.map((l) => l["msg"])).toEqual(
      expect.arrayContaining(["registry request", "shutting down", "stopped"]),
    );
    const all = JSON.stringify(p.lines);
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(w.password);
  });

  it("exits 1 with one line saying what is wrong with its configuration", async () => {
    const bad = start(
      configFile("bad.json", {
        auth: { username: "registry", password: PASSWORD },
        store: { url: "ftp://nope/" },
        typo: 1,
      }),
    );
    expect(await bad.exited).toBe(1);
    expect(String(bad.lines[0]?.["error"])).toMatch(/store.url: must be an http\(s\) URL; typo: unknown key/);
    const noTls = start(
      configFile("notls.json", {
        auth: { username: "r", password: PASSWORD },
        store: { url: webdav().url },
        tls: { cert_file: join(work, "none.pem"), key_file: join(work, "key.pem") },
      }),
    );
    expect(await noTls.exited).toBe(1);
    expect(String(noTls.lines[0]?.["error"])).toMatch(/cannot read TLS files: ENOENT/);
  });
});
