// The director runs many CPI processes at once: here real `node dist/cpi.js` processes (one per call, as
// the director spawns them) race for the same pool on the real Ironic. Claims are atomic in Ironic, so
// 20 calls on 20 free nodes get 20 distinct nodes, and 30 calls on 10 nodes give 10 VMs, 20 clean typed
// errors and no node left claimed.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  IronicRest,
  claimedWithoutVm,
  createNodes,
  nodesOf,
  removeNodes,
  uniqueTag,
} from "../support/ironic-fixtures.ts";
import { runCpi } from "../support/cpi-process.ts";
import { ironicUrl } from "../support/servers.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";
import { vmConfig } from "./vm-support.ts";

const rest = new IronicRest(ironicUrl());
const PREFIX = `vmpar-${uniqueTag()}`;
const NETWORKS = { default: { type: "dynamic", cloud_properties: {} } };
let configPath: string;
let stemcellCid: string;
let live: string[] = [];

const request = (method: string, args: unknown[]) => ({
  method,
  arguments: args,
  context: {
    director_uuid: "director-par",
    request_id: `cpi-${Math.floor(Math.random() * 1e6)}`,
    vm: { stemcell: { api_version: 2 } },
  },
  api_version: 2,
});
const cpi = async (method: string, args: unknown[]) => (await runCpi(request(method, args), { configPath })).response;

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "vm-parallel-"));
  configPath = join(dir, "cpi.json");
  writeFileSync(configPath, JSON.stringify(vmConfig()));
  const image = writeStemcellImage(join(dir, "image"), 64 * 1024);
  const created = await cpi("create_stemcell", [image.path, stemcellCloudProperties(uniqueTag())]);
  expect(created.error).toBeNull();
  stemcellCid = created.result as string;
});
afterEach(async () => {
  const nodes = await nodesOf(rest, PREFIX);
  const offenders = claimedWithoutVm(nodes, live);
  await Promise.all(live.map((vm) => cpi("delete_vm", [vm])));
  for (const n of await nodesOf(rest, PREFIX)) if (n.instance_uuid || n.extra["bosh"]) await rest.forceDelete(n.uuid);
  live = [];
  expect(offenders).toEqual([]);
});
afterAll(async () => {
  await removeNodes(rest, PREFIX);
  if (stemcellCid) await cpi("delete_stemcell", [stemcellCid]);
});

describe("parallel create_vm processes", () => {
  it("20 parallel create_vm on 20 free nodes → 20 distinct nodes; 20 parallel delete_vm free them all", async () => {
    const rc = `rc-${uniqueTag()}`;
    const nodes = await createNodes(rest, `${PREFIX}-twenty`, 20, {
      resource_class: rc,
      properties: { cpus: 8, memory_mb: 16384, local_gb: 100 },
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        cpi("create_vm", [randomUUID(), stemcellCid, { resource_class: rc }, NETWORKS, [], {}]),
      ),
    );
    expect(answers.map((a) => a.error)).toEqual(Array(20).fill(null));
    const vms = answers.map((a) => (a.result as [string])[0]);
    live = vms;
    expect(new Set(vms).size).toBe(20);
    const held = await Promise.all(vms.map(async (vm) => (await rest.vmNode(vm)).uuid));
    expect(new Set(held)).toEqual(new Set(nodes.map((n) => n.uuid)));
    expect(claimedWithoutVm(await nodesOf(rest, PREFIX), vms)).toEqual([]);

    const deleted = await Promise.all(vms.map((vm) => cpi("delete_vm", [vm])));
    expect(deleted.map((d) => d.error)).toEqual(Array(20).fill(null));
    live = [];
    const after = await nodesOf(rest, `${PREFIX}-twenty`);
    expect(after.every((n) => n.provision_state === "available" && !n.instance_uuid && !n.extra["bosh"])).toBe(true);
  });

  it("30 parallel create_vm on 10 nodes → 10 VMs, 20 clean VMCreationFailed, no node left claimed", async () => {
    const rc = `rc-${uniqueTag()}`;
    await createNodes(rest, `${PREFIX}-ten`, 10, { resource_class: rc });
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        cpi("create_vm", [randomUUID(), stemcellCid, { resource_class: rc }, NETWORKS, [], {}]),
      ),
    );
    const ok = answers.filter((a) => a.error === null);
    const failed = answers.filter((a) => a.error !== null);
    live = ok.map((a) => (a.result as [string])[0]);
    expect(ok).toHaveLength(10);
    expect(new Set(live).size).toBe(10);
    expect(failed).toHaveLength(20);
    for (const f of failed) {
      expect(f.error!.type).toBe("Bosh::Clouds::VMCreationFailed");
      expect(typeof f.error!.ok_to_retry).toBe("boolean");
      expect(f.error!.message).toMatch(/no free Ironic node matches|lost \d+ claim/);
    }
    // every node is either one of the 10 VMs or free
    expect(claimedWithoutVm(await nodesOf(rest, PREFIX), live)).toEqual([]);
  });
});
