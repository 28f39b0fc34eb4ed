// What a current director (v282+, CPI API v3) and a real bosh-agent need, through the executable against the
// real Ironic and nginx: an ephemeral disk on every server (never the root device, which holds Ironic's
// config-drive partition), dynamic disks (`name` in create_disk's cloud_properties), API v3 (info says 3,
// create_stemcell's env.tags are recorded), `prefix` as a string, an MTU on every network_data link, and
// create-swap-delete with a local disk answered with the fix.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CallResult, Director } from "../support/director.ts";
import {
  IronicRest,
  configDriveOf,
  createNode,
  nodesOf,
  removeNodes,
  setInventory,
  uniqueTag,
} from "../support/ironic-fixtures.ts";
import { directorEnv, manualNetwork } from "../support/lifecycle.ts";
import { type LifecycleServers, lifecycleConfig, prepareStore, writeConfig } from "../support/lifecycle-config.ts";
import { ironicUrl, webdav } from "../support/servers.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";

const rest = new IronicRest(ironicUrl());
const PREFIX = `v3-${uniqueTag()}`;
const GIB = 1024 ** 3;
let work: string;
let servers: LifecycleServers;
let director: Director;
let stemcell: string;

const result = <T>(r: CallResult, what: string): T => {
  expect(r.response?.error ?? null, `${what}: ${JSON.stringify(r.response?.error)}`).toBeNull();
  return r.response!.result as T;
};
const settingsOn = (nodeUuid: string) =>
  JSON.parse(configDriveOf(nodeUuid, work)["ec2/latest/user-data"]!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cpi-v3-"));
  servers = { ironicUrl: ironicUrl(), webdav: webdav(), storeFolder: PREFIX };
  await prepareStore(servers);
  director = new Director({
    configPath: writeConfig(work, lifecycleConfig(servers)),
    callTimeoutMs: 120_000,
    apiVersion: 3,
    stemcellApiVersion: 3,
  });
  const image = writeStemcellImage(join(work, "image"), 64 * 1024).path;
  stemcell = result<string>(
    await director.call("create_stemcell", [
      image,
      stemcellCloudProperties(),
      { tags: { team: "blue", cost_center: 42 } },
    ]),
    "create_stemcell",
  );
});

afterAll(async () => {
  await director?.call("delete_stemcell", [stemcell]);
  await removeNodes(rest, PREFIX);
});

describe("CPI API v3", () => {
  test("info reports 3; create_stemcell records env.tags; create_vm and attach_disk keep the v2 shapes", async () => {
    const info = result<{ api_version: number }>(await director.call("info", []), "info");
    expect(info.api_version).toBe(3);
    const record = JSON.parse(readFileSync(join(webdav().dataDir, PREFIX, stemcell, "stemcell.json"), "utf8"));
    expect(record.tags).toEqual({ team: "blue", cost_center: "42" });

    const node = await createNode(rest, `${PREFIX}-shapes`, {
      properties: { bosh_persistent_devices: JSON.stringify([{ device: "/dev/disk/by-path/p-3", size_gb: 10 }]) },
    });
    const created = result<[string, Record<string, unknown>]>(
      await director.call("create_vm", [
        randomUUID(),
        stemcell,
        { macs: node.macs },
        manualNetwork("10.0.3.10"),
        [],
        directorEnv(),
      ]),
      "create_vm",
    );
    expect(created).toHaveLength(2);
    const disk = result<string>(
      await director.call("create_disk", [1024, { device: "/dev/disk/by-path/p-3" }, created[0]]),
      "create_disk",
    );
    expect(result(await director.call("attach_disk", [created[0], disk]), "attach_disk")).toEqual({
      path: "/dev/disk/by-path/p-3",
    });
    result(await director.call("detach_disk", [created[0], disk]), "detach_disk");
    result(await director.call("delete_disk", [disk]), "delete_disk");
    result(await director.call("delete_vm", [created[0]]), "delete_vm");
  });
});

describe("the agent's ephemeral disk, per server", () => {
  test("no vm_type, configuration, node property or inventory names one: VMCreationFailed before any claim, naming the fix", async () => {
    const node = await createNode(rest, `${PREFIX}-noeph`, { ephemeral: false });
    const r = await director.call("create_vm", [
      randomUUID(),
      stemcell,
      { macs: node.macs },
      manualNetwork("10.0.3.11"),
      [],
      directorEnv(),
    ]);
    expect(r.response?.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: false });
    expect(r.response!.error!.message).toMatch(
      /none has an ephemeral disk for the agent: set vm_type cloud_properties ephemeral_disk, disks.ephemeral_device .* bosh_ephemeral_device .* the root disk, which holds Ironic's config-drive partition/,
    );
    expect(await rest.node(node.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
    expect((await rest.node(node.uuid)).extra["bosh"]).toBeUndefined();
  });

  test("the node's bosh_ephemeral_device reaches the agent; the vm_type's ephemeral_disk wins over it", async () => {
    const node = await createNode(rest, `${PREFIX}-nodeeph`, {
      properties: { bosh_ephemeral_device: "/dev/disk/by-path/from-node" },
    });
    const a = result<[string]>(
      await director.call("create_vm", [
        randomUUID(),
        stemcell,
        { macs: node.macs },
        manualNetwork("10.0.3.12"),
        [],
        directorEnv(),
      ]),
      "create_vm",
    );
    expect(settingsOn(node.uuid).disks.ephemeral).toEqual({ path: "/dev/disk/by-path/from-node" });
    result(await director.call("delete_vm", [a[0]]), "delete_vm");
    const b = result<[string]>(
      await director.call("create_vm", [
        randomUUID(),
        stemcell,
        { macs: node.macs, ephemeral_disk: "/dev/disk/by-path/from-vm-type" },
        manualNetwork("10.0.3.12"),
        [],
        directorEnv(),
      ]),
      "create_vm",
    );
    expect(settingsOn(node.uuid).disks.ephemeral).toEqual({ path: "/dev/disk/by-path/from-vm-type" });
    result(await director.call("delete_vm", [b[0]]), "delete_vm");
  });

  test("an inspected server: the first disk of its inventory that is neither the root device nor a persistent-disk candidate", async () => {
    const node = await createNode(rest, `${PREFIX}-inveph`, {
      ephemeral: false,
      properties: { bosh_persistent_devices: JSON.stringify([{ device: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2" }]) },
    });
    setInventory(node.uuid, {
      disks: [
        { name: "/dev/sda", size: 480 * GIB, by_path: "/dev/disk/by-path/pci-0000:00:1f.2-ata-1" },
        { name: "/dev/sdb", size: 960 * GIB, by_path: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2" },
        { name: "/dev/sdc", size: 960 * GIB, by_path: "/dev/disk/by-path/pci-0000:00:1f.2-ata-3" },
      ],
    });
    const vm = result<[string]>(
      await director.call("create_vm", [
        randomUUID(),
        stemcell,
        { macs: node.macs },
        manualNetwork("10.0.3.13"),
        [],
        directorEnv(),
      ]),
      "create_vm",
    );
    expect(settingsOn(node.uuid).disks.ephemeral).toEqual({ path: "/dev/disk/by-path/pci-0000:00:1f.2-ata-3" });
    result(await director.call("delete_vm", [vm[0]]), "delete_vm");
  });
});

describe("what newer directors send", () => {
  test("a dynamic disk: `name` in create_disk's cloud_properties is accepted and recorded with the disk", async () => {
    const node = await createNode(rest, `${PREFIX}-dyn`, {
      properties: { bosh_persistent_devices: JSON.stringify([{ device: "/dev/disk/by-path/p-3", size_gb: 10 }]) },
    });
    const vm = result<[string]>(
      await director.call("create_vm", [
        randomUUID(),
        stemcell,
        { macs: node.macs },
        manualNetwork("10.0.3.14"),
        [],
        directorEnv(),
      ]),
      "create_vm",
    );
    const disk = result<string>(
      await director.call("create_disk", [1024, { device: "/dev/disk/by-path/p-3", name: "my-dynamic-disk" }, vm[0]]),
      "create_disk",
    );
    expect((await rest.node(node.uuid)).extra["bosh_disks"]).toMatchObject({ [disk]: { name: "my-dynamic-disk" } });
    result(await director.call("delete_disk", [disk]), "delete_disk");
    result(await director.call("delete_vm", [vm[0]]), "delete_vm");
  });

  test("`prefix` is a string in the agent's settings (numbers become strings); every network_data link has an MTU", async () => {
    const node = await createNode(rest, `${PREFIX}-prefix`, { nics: 2 });
    const networks = { default: { ...(manualNetwork("10.0.3.15").default as object), prefix: 32 } };
    const vm = result<[string]>(
      await director.call("create_vm", [randomUUID(), stemcell, { macs: node.macs }, networks, [], directorEnv()]),
      "create_vm",
    );
    const drive = configDriveOf(node.uuid, work);
    expect(JSON.parse(drive["ec2/latest/user-data"]!).networks.default.prefix).toBe("32");
    const links = JSON.parse(drive["openstack/latest/network_data.json"]!).links as { mtu?: number }[];
    expect(links.length).toBe(2);
    expect(links.every((l) => l.mtu === 1500)).toBe(true);
    result(await director.call("delete_vm", [vm[0]]), "delete_vm");
  });

  test("create-swap-delete with a local persistent disk: VMCreationFailed naming vm_strategy delete-create, the old VM untouched", async () => {
    const rc = `rc-${uniqueTag()}`;
    await createNode(rest, `${PREFIX}-swap-a`, {
      resource_class: rc,
      properties: { bosh_persistent_devices: JSON.stringify([{ device: "/dev/disk/by-path/p-3", size_gb: 10 }]) },
    });
    await createNode(rest, `${PREFIX}-swap-b`, { resource_class: rc });
    const old = result<[string]>(
      await director.call("create_vm", [
        randomUUID(),
        stemcell,
        { resource_class: rc },
        manualNetwork("10.0.3.16"),
        [],
        directorEnv(),
      ]),
      "create_vm",
    );
    const disk = result<string>(
      await director.call("create_disk", [1024, { device: "/dev/disk/by-path/p-3" }, old[0]]),
      "create_disk",
    );
    result(await director.call("attach_disk", [old[0], disk]), "attach_disk");
    // the director creates the new VM first, naming the instance's disk
    const r = await director.call("create_vm", [
      randomUUID(),
      stemcell,
      { resource_class: rc },
      manualNetwork("10.0.3.17"),
      [disk],
      directorEnv(),
    ]);
    expect(r.response?.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: false });
    expect(r.response!.error!.message).toMatch(new RegExp(`still held by VM ${old[0]}: .*vm_strategy: delete-create`));
    expect(result(await director.call("has_vm", [old[0]]), "has_vm")).toBe(true);
    expect((await nodesOf(rest, `${PREFIX}-swap`)).filter((n) => n.instance_uuid).map((n) => n.instance_uuid)).toEqual([
      old[0],
    ]);
    result(await director.call("detach_disk", [old[0], disk]), "detach_disk");
    result(await director.call("delete_disk", [disk]), "delete_disk");
    result(await director.call("delete_vm", [old[0]]), "delete_vm");
  });
});
