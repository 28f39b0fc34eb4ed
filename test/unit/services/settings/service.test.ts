// The agent settings records (registry) service against an in-memory store.
import pino from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { CloudError, CpiError } from "../../../../src/protocol/errors.ts";
import { RegistryRecords } from "../../../../src/registry/records.ts";
import { SettingsService } from "../../../../src/services/settings/service.ts";
import { WebdavUnavailable } from "../../../../src/webdav/errors.ts";
import { TRAVERSALS } from "../../webdav/traversals.ts";
import { FakeStore } from "../stemcell/fake-store.ts";

const VM = "9b3c1e2a-4f5d-4e6f-8a7b-1c2d3e4f5a6b";
const SETTINGS = {
  agent_id: "agent-1",
  vm: { name: VM },
  disks: { system: "/dev/sda", persistent: {} },
  env: { bosh: { password: "$6$hash" } },
};

let store: FakeStore;
let warnings: string[];
let svc: SettingsService;
beforeEach(() => {
  store = new FakeStore();
  warnings = [];
  const log = pino(
    { level: "info" },
    {
      write: (l: string) => {
        const r = JSON.parse(l);
        if (r.level === 40) warnings.push(r.msg);
      },
    },
  );
  svc = new SettingsService({ records: new RegistryRecords(store.asStore(), "registry"), log });
});

describe("SettingsService", () => {
  it("stores settings at <prefix>/instances/<vm_cid>/settings and reads them back", async () => {
    await svc.put(VM, SETTINGS);
    expect(store.calls).toEqual([`PUT /registry/instances/${VM}/settings`]);
    expect(JSON.parse(store.objects.get(`/registry/instances/${VM}/settings`)!.toString())).toEqual(SETTINGS);
    expect(await svc.get(VM)).toEqual(SETTINGS);
    expect(await svc.get("00000000-0000-4000-8000-000000000000")).toBeUndefined();
  });

  it("remove deletes the instance folder and is idempotent", async () => {
    await svc.put(VM, SETTINGS);
    await svc.remove(VM);
    await svc.remove(VM);
    expect(store.calls.slice(1)).toEqual([`DELETE /registry/instances/${VM}/`, `DELETE /registry/instances/${VM}/`]);
    expect(store.objects.size).toBe(0);
  });

  it("updatePersistentDisks rewrites disks.persistent only", async () => {
    await svc.put(VM, SETTINGS);
    await svc.updatePersistentDisks(VM, (p) => ({
      ...p,
      "disk-1": { path: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4" },
    }));
    await svc.updatePersistentDisks(VM, (p) => ({ ...p, "disk-2": { path: "/dev/sdd" } }));
    await svc.updatePersistentDisks(VM, ({ "disk-1": _gone, ...rest }) => rest);
    expect(await svc.get(VM)).toEqual({
      ...SETTINGS,
      disks: { system: "/dev/sda", persistent: { "disk-2": { path: "/dev/sdd" } } },
    });
  });

  it("updatePersistentDisks without stored settings warns and changes nothing", async () => {
    await svc.updatePersistentDisks(VM, () => ({ x: { path: "/dev/sdc" } }));
    expect(store.objects.size).toBe(0);
    expect(warnings[0]).toMatch(/no stored agent settings/);
  });

  it("maps store failures to CloudError, and damaged records too", async () => {
    store.failures.set(
      `PUT /registry/instances/${VM}/settings`,
      new WebdavUnavailable("PUT", "/p", "ECONNREFUSED", "http://127.0.0.1:1"),
    );
    await expect(svc.put(VM, SETTINGS)).rejects.toThrow(CloudError);
    store.objects.set(`/registry/instances/${VM}/settings`, Buffer.from("[1,2]"));
    await expect(svc.get(VM)).rejects.toThrow(/not a JSON object/);
    await expect(svc.put(VM, [1])).rejects.toBeInstanceOf(CpiError);
  });

  it.each(TRAVERSALS)("refuses vm_cid %j before any request (CpiError)", async (bad) => {
    await expect(svc.put(bad, SETTINGS)).rejects.toBeInstanceOf(CpiError);
    await expect(svc.get(bad)).rejects.toBeInstanceOf(CpiError);
    await expect(svc.remove(bad)).rejects.toBeInstanceOf(CpiError);
    await expect(svc.updatePersistentDisks(bad, (p) => p)).rejects.toBeInstanceOf(CpiError);
    expect(store.requestCount).toBe(0);
  });
});
