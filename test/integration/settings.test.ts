// Agent settings records on the real nginx WebDAV, in the registry store (its private location, which needs
// credentials for every read): what the CPI writes is what the registry server hands an old agent; whether
// a VM's agent needs the registry (and so gets a record at all) follows context.vm.stemcell.api_version.
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { chooseUserData, registryPointer } from "../../src/agent/user-data.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { Action, type ActionClass } from "../../src/protocol/action.ts";
import { RegistryRecords } from "../../src/registry/records.ts";
import { createRegistryServer } from "../../src/registry/server.ts";
import { WebdavStore } from "../../src/webdav/store.ts";
import { dispatchInProcess } from "../support/log-capture.ts";
import { SECRETS } from "../support/secrets.ts";
import { webdav } from "../support/servers.ts";

const PREFIX = `it-settings-${randomBytes(4).toString("hex")}`;
const PASSWORD = SECRETS.registryPassword;
let registry: Server;
let registryUrl: string;
let store: WebdavStore;

beforeAll(async () => {
  const w = webdav();
  store = new WebdavStore({ url: w.privateUrl, username: w.privateUsername, password: w.privatePassword, retries: 1 });
  registry = createRegistryServer({
    records: new RegistryRecords(store, PREFIX),
    auth: { username: "registry", password: PASSWORD, readRequiresAuth: true },
    log: pino({ level: "silent" }),
  });
  await new Promise<void>((r) => registry.listen(0, "127.0.0.1", r));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => registry.close(r));
  store.close();
});

function config(mode: "auto" | "always" | "never" = "auto"): ConfigInput {
  const w = webdav();
  const endpoint = registryUrl.replace("http://", `http://registry:${PASSWORD}@`);
  return {
    ironic: { url: "http://127.0.0.1:9" },
    stemcell_store: { url: `${w.url}${PREFIX}-images/`, username: w.username, password: w.password, retries: 1 },
    registry: {
      mode,
      endpoint,
      prefix: PREFIX,
      store: { url: w.privateUrl, username: w.privateUsername, password: w.privatePassword, retries: 1 },
    },
    agent: { mbus: "nats://10.0.0.6:4222" },
  };
}

/**
 * What create_vm does with the registry, reduced to it: decide from the call's context, store the
 * settings record, and answer the user-data the config drive would carry.
 */
const Args = z.tuple([z.string().describe("vm_cid")]);
class RegistryStep extends Action<typeof Args> {
  static override readonly args = Args;
  async run([vmCid]: z.infer<typeof Args>) {
    const { settings } = await this.ctx.services();
    const choice = chooseUserData(this.ctx.stemcellApiVersion, this.ctx.config.registry);
    const agentSettings = {
      agent_id: `agent-${vmCid.slice(0, 8)}`,
      vm: { name: vmCid },
      mbus: "nats://10.0.0.6:4222",
      networks: {},
      disks: { system: "/dev/sda", persistent: {} },
      env: {},
    };
    if (choice.kind === "registry") await settings.put(vmCid, agentSettings);
    const userData =
      choice.kind === "settings" ? agentSettings : registryPointer(vmCid, this.ctx.config.registry.endpoint!, [], {});
    return { kind: choice.kind, userData };
  }
}

async function step(vmCid: string, context: Record<string, unknown>, mode: "auto" | "always" | "never" = "auto") {
  const raw = JSON.stringify({
    method: "create_vm",
    arguments: [vmCid],
    context: { director_uuid: "d-1", ...context },
    api_version: 2,
  });
  const r = await dispatchInProcess(
    raw,
    { config: config(mode), loadAction: async () => RegistryStep as unknown as ActionClass },
    "settings registry step",
  );
  expect(r.error).toBeNull();
  return r.result as { kind: string; userData: Record<string, any> };
}

/** What an old bosh-agent does: GET <endpoint>/instances/<server.name>/settings, userinfo as basic auth. */
async function agentFetch(pointer: { server: { name: string }; registry: { endpoint: string } }) {
  const u = new URL(`${pointer.registry.endpoint.replace(/\/$/, "")}/instances/${pointer.server.name}/settings`);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
  u.username = "";
  u.password = "";
  const res = await fetch(u, { headers: { authorization: auth } });
  const envelope = (await res.json()) as { status: string; settings: string };
  return { status: res.status, envelope, settings: JSON.parse(envelope.settings) as Record<string, unknown> };
}

describe("legacy (registry) vs v2 from context.vm.stemcell.api_version", () => {
  it.each([
    ["api_version 1", "registry", { vm: { stemcell: { api_version: 1 } } }],
    ["no api_version (a v1 stemcell declares none)", "registry", { vm: { stemcell: {} } }],
    ["no vm context", "registry", {}],
    ["api_version 2", "settings", { vm: { stemcell: { api_version: 2 } } }],
    ["api_version 3", "settings", { vm: { stemcell: { api_version: 3 } } }],
  ])("%s → %s; a record only for the registry, in the registry store", async (_what, kind, context) => {
    const vm = randomUUID();
    const r = await step(vm, context);
    expect(r.kind).toBe(kind);
    expect(existsSync(join(webdav().dataDir, "private", PREFIX, "instances", vm, "settings"))).toBe(
      kind === "registry",
    );
    expect(existsSync(join(webdav().dataDir, PREFIX))).toBe(false); // never beside the images
    if (kind === "settings") {
      expect(r.userData["agent_id"]).toBe(`agent-${vm.slice(0, 8)}`);
      return;
    }
    expect(r.userData).toMatchObject({
      server: { name: vm },
      registry: { endpoint: expect.stringContaining(registryUrl.slice(7)) },
    });
    const agent = await agentFetch(r.userData as never);
    expect(agent.status).toBe(200);
    expect(agent.envelope.status).toBe("ok");
    expect(agent.settings).toMatchObject({ agent_id: `agent-${vm.slice(0, 8)}`, vm: { name: vm } });
  });

  it("registry.mode always/never override the stemcell", async () => {
    expect((await step(randomUUID(), { vm: { stemcell: { api_version: 2 } } }, "always")).kind).toBe("registry");
    expect((await step(randomUUID(), { vm: { stemcell: { api_version: 1 } } }, "never")).kind).toBe("settings");
  });
});

describe("SettingsService on nginx (through the real wiring)", () => {
  it("put, attach/detach updates of disks.persistent seen by the agent through the registry, remove", async () => {
    const { createServices } = await import("../../src/wiring.ts");
    const { parseConfig } = await import("../../src/config/load.ts");
    const services = await createServices(parseConfig(config(), "test"), pino({ level: "silent" }));
    const vm = randomUUID();
    await services.settings.put(vm, { agent_id: "a", disks: { system: "/dev/sda", persistent: {} } });
    await services.settings.updatePersistentDisks(vm, (p) => ({
      ...p,
      "disk-1": { path: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4" },
    }));
    const pointer = { server: { name: vm }, registry: { endpoint: config().registry!.endpoint! } };
    expect((await agentFetch(pointer)).settings).toEqual({
      agent_id: "a",
      disks: { system: "/dev/sda", persistent: { "disk-1": { path: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4" } } },
    });
    await services.settings.updatePersistentDisks(vm, () => ({}));
    expect(
      JSON.parse(readFileSync(join(webdav().dataDir, "private", PREFIX, "instances", vm, "settings"), "utf8")).disks
        .persistent,
    ).toEqual({});
    expect((await fetch(`${webdav().privateUrl}${PREFIX}/instances/${vm}/settings`)).status).toBe(401); // no anonymous read
    await services.settings.remove(vm);
    await services.settings.remove(vm);
    const gone = await fetch(`${registryUrl}/instances/${vm}/settings`, {
      headers: { authorization: `Basic ${Buffer.from(`registry:${PASSWORD}`).toString("base64")}` },
    });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ status: "not_found" });
    expect(await services.settings.get(vm)).toBeUndefined();
    await services.close();
  });
});
