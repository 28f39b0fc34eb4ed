// A real deploy, and the real agent on it, as `bosh create-env` drives them: bosh-cli's CPI client runs the
// CPI of a create-env installation against today's Ironic, which has IPA write the stemcell built here (the
// real bosh-agent in it) onto an emulated server's disk and boot it; bosh-cli's agent client then talks to
// that agent over its HTTPS mbus. Every check looks from outside too: the server's disk files, its serial
// console, its BMC, Ironic's own record.
// The server (server-00): root ROOT-00, ephemeral EPH-00, persistent PERS-00, two NICs (the second unused).
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blkid, extractIso, extractPartition, partitionTable, readRange } from "../harness/testbed/disk-inspect.ts";
import { IronicRest } from "../support/ironic-rest.ts";
import { registerSecret } from "../support/secrets.ts";
import { type MbusCredentials, agentApply, agentCall, mbusCredentials } from "./agent.ts";
import { SerialConsole } from "./console.ts";
import { bed, byId, disk, manualNetwork, server } from "./context.ts";
import { type Installation, bedProperties, install, ok } from "./cpi.ts";
import { rootPasswordHash } from "./password.ts";
import { unpackStemcell } from "./stemcell.ts";

const S = server("agent");
const rest = new IronicRest(bed().ironicUrl);
const IP = `${bed().subnet}.50`;
const ROOT_PASSWORD = `e2e-root-${randomBytes(6).toString("hex")}`;
registerSecret("e2eRootPassword", ROOT_PASSWORD);
/** the agent of the second VM must find the file the first wrote on the persistent disk */
const MARK = `written-by-the-first-vm-${randomBytes(6).toString("hex")}`;

/** udev's names for the virtio-scsi disks (by serial), what the agent resolves */

let creds: MbusCredentials;
let folder: string;
let cpi: Installation;
let rawStemcell: string;
let qcowStemcell: string;
let vm: string;
let persistent: string;
const measured: Record<string, number> = {};

const vmType = {
  resource_class: "e2e-agent",
  // IPA writes the stemcell to the disk the operator meant, not to whichever comes first
  root_device: { serial: disk(S, "root").serial },
  ephemeral_disk: byId(disk(S, "ephemeral").serial),
  // the deploy ramdisk gets its address from the node's network_data: the bed has no DHCP
  provisioning_network: "default",
};
const networks = () => ({ default: manualNetwork(IP, {}) });
const env = () => ({
  bosh: {
    mbus: { cert: creds.cert },
    // the agent sets root's password from it: the test logs in on the serial console with it
    password: rootPasswordHash(ROOT_PASSWORD),
    group: "e2e-director-bosh-bosh",
    groups: ["e2e-director", "bosh", "bosh", "e2e-director-bosh", "bosh-bosh", "e2e-director-bosh-bosh"],
  },
});

const agent = (method: string, args: string[] = [], opts: { wait?: number } = {}) =>
  agentCall(IP, creds, method, args, opts);
async function onConsole<T>(f: (c: SerialConsole) => Promise<T>): Promise<T> {
  const c = await SerialConsole.open(S.consoleSocket);
  try {
    await c.login(ROOT_PASSWORD);
    return await f(c);
  } finally {
    c.close();
  }
}
const context = () =>
  `--- console of ${S.name} ---\n${readFileSync(S.consoleFile, "latin1").slice(-6000)}\n` +
  `--- Ironic ---\n${readFileSync(bed().ironicLog, "utf8").split("\n").slice(-40).join("\n")}`;

beforeAll(async () => {
  creds = mbusCredentials(IP);
  registerSecret("e2eMbusPassword", creds.password);
  folder = `e2e-lifecycle-${randomBytes(3).toString("hex")}`;
  const res = await fetch(`${bed().webdav.url}${folder}/`, {
    method: "MKCOL",
    headers: {
      authorization: `Basic ${Buffer.from(`${bed().webdav.username}:${bed().webdav.password}`).toString("base64")}`,
    },
  });
  expect(res.status).toBe(201);
  cpi = install(bedProperties({ mbusPassword: creds.password, storeFolder: folder }));
});

afterAll(() => {
  process.stdout.write(`[e2e lifecycle measured, ms] ${JSON.stringify(measured)}\n`);
});

describe("create-env's path on a real server: the stemcell, the VM, the agent", () => {
  it("create_stemcell uploads the raw stemcell built here", async () => {
    const st = unpackStemcell(bed().stemcells.raw);
    expect(st.cloudProperties).toMatchObject({ disk_format: "raw", infrastructure: "openstack" });
    const a = await cpi.call("create_stemcell", [st.image, st.cloudProperties]);
    rawStemcell = ok<string>(a, "create_stemcell raw");
    measured["create_stemcell raw"] = a.ms;
  });

  it("create_vm: IPA writes the image and the config drive to the hinted disk; the server boots from it", async () => {
    const agentId = randomUUID();
    const a = await cpi.call("create_vm", [agentId, rawStemcell, vmType, networks(), [], env()]);
    if (a.code !== 0) throw new Error(`create_vm: ${a.error?.message}\n${a.stderr.slice(-3000)}\n${context()}`);
    vm = a.result as string;
    measured["create_vm raw (to active)"] = a.ms;
    const node = await rest.vmNode(vm);
    expect(node.uuid).toBe(S.node);
    expect(node).toMatchObject({ provision_state: "active", power_state: "power on", instance_uuid: vm });

    // the root disk: the stemcell's partition, then the config-2 partition IPA appended; nothing else touched
    const rootDisk = disk(S, "root").path;
    const table = await partitionTable(rootDisk);
    expect(table?.label).toBe("dos");
    expect(table!.partitions).toHaveLength(2);
    const [sys, cfg] = table!.partitions;
    expect(sys!.bootable).toBe(true);
    expect(cfg!.start).toBeGreaterThan(sys!.start + sys!.size - 1);
    // the config-2 partition holds exactly the drive the CPI built (Ironic keeps it in its database)
    const work = mkdtempSync(join(tmpdir(), "e2e-drive-"));
    const partition = extractPartition(rootDisk, cfg!, join(work, "config-2.img"));
    expect(await blkid(partition)).toMatchObject({ LABEL: "config-2", TYPE: "iso9660" });
    const packed = execFileSync(
      "sqlite3",
      [join(bed().dir, "ironic", "ironic.sqlite"), `select instance_info from nodes where uuid='${S.node}'`],
      { encoding: "utf8" },
    );
    const built = gunzipSync(Buffer.from((JSON.parse(packed) as { configdrive: string }).configdrive, "base64"));
    expect(readRange(partition, 0, built.length).equals(built)).toBe(true);
    await extractIso(partition, join(work, "files"));
    const userData = JSON.parse(readFileSync(join(work, "files", "ec2", "latest", "user-data"), "utf8"));
    expect(userData).toMatchObject({ agent_id: agentId, vm: { name: vm } });
    expect(userData.disks.ephemeral).toEqual({ path: vmType.ephemeral_disk });

    // the BMC: powered on, booting from the disk, no virtual media left in
    const system = await bmc(S.redfishSystemId);
    expect(system).toMatchObject({ PowerState: "On" });
    expect((system["Boot"] as Record<string, unknown>)["BootSourceOverrideTarget"]).toBe("Hdd");
  });

  it("the agent answers bosh-cli's client over the HTTPS mbus at the VM's address: ping, get_state, apply, get_state", async () => {
    const ping = await agent("ping", [], { wait: 1800 });
    if (ping.code !== 0) throw new Error(`no pong: ${ping.stderr}\n${context()}`);
    expect(ping.result).toBe("pong");
    measured["agent pong after create_vm"] = ping.ms;
    // the agent answered at the VM's static address with the certificate made for it; bosh-cli's client reads
    // JobState and NetworkSpecs: a fresh agent is "running" with no spec yet
    const fresh = await agent("get_state");
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.result).toEqual({ JobState: "running", NetworkSpecs: {} });
    // create-env's next step, the initial apply (the instance and its networks, no jobs yet: no
    // configuration_hash); from then on the agent reports the VM's network and address
    const applied = await agentApply(IP, creds, {
      deployment: "e2e",
      name: "e2e-agent",
      index: 0,
      id: randomUUID(),
      az: "z1",
      networks: networks(),
    });
    expect(applied).toBe("applied");
    const state = await agent("get_state");
    expect(state.code, state.stderr).toBe(0);
    expect(state.result).toEqual({ JobState: "running", NetworkSpecs: { default: { ip: IP } } });
    // the console shows the stemcell booted from the disk and the agent started
    const text = readFileSync(S.consoleFile, "latin1");
    expect(text.slice(text.lastIndexOf("Booting from Hard Disk"))).toMatch(/Linux version 6\.1/);
  });

  it("the agent partitioned the ephemeral disk the CPI named, not the root disk; static network, loopback on the spare NIC", async () => {
    const eph = await partitionTable(disk(S, "ephemeral").path);
    expect(eph?.label).toBe("gpt");
    expect(eph!.partitions.length).toBeGreaterThanOrEqual(1);
    expect((await partitionTable(disk(S, "root").path))!.partitions).toHaveLength(2);
    const [addrs, mounts, ephDev] = await onConsole(async (c) => [
      await c.run("ip -o -4 addr show"),
      await c.run("findmnt -n -o SOURCE /var/vcap/data"),
      await c.run(`readlink -f ${vmType.ephemeral_disk}`),
    ]);
    expect(addrs.status).toBe(0);
    const lines = addrs.out.split("\n");
    // the static address on one NIC; the unused NIC gets the loopback address the CPI assigned, no DHCP
    expect(lines.some((l) => l.includes(`${IP}/24`))).toBe(true);
    expect(lines.some((l) => /inet 127\.0\.0\.100\/24/.test(l))).toBe(true);
    expect(mounts.out.trim()).toMatch(/^\/dev\/sd[a-z]\d$/);
    expect(mounts.out.trim().startsWith(ephDev.out.trim())).toBe(true);
  });

  it("create_disk + attach_disk; the agent mounts the persistent disk and lists it; a file is written there", async () => {
    persistent = ok<string>(
      await cpi.call("create_disk", [1024, { device: byId(disk(S, "persistent").serial) }, vm]),
      "create_disk",
    );
    const hint = ok<Record<string, unknown>>(await cpi.call("attach_disk", [vm, persistent]), "attach_disk");
    expect(hint).toEqual({ path: byId(disk(S, "persistent").serial) });
    // as the CLI does after attach_disk: the agent learns the disk, then mounts it
    const add = await agent("add_persistent_disk", [persistent, JSON.stringify(hint)]);
    expect(add.code, add.stderr).toBe(0);
    const mount = await agent("mount_disk", [persistent]);
    expect(mount.code, mount.stderr).toBe(0);
    const list = await agent("list_disk");
    expect(list.result).toEqual([persistent]);
    const w = await onConsole((c) =>
      c.run(`echo ${MARK} > /var/vcap/store/e2e.txt && sync && findmnt -n -o SOURCE /var/vcap/store`),
    );
    expect(w.status).toBe(0);
  });

  it("delete_vm keeps the persistent disk's server; a new VM (qcow2 stemcell) with the disk lands on it and finds the file", async () => {
    expect((await agent("unmount_disk", [persistent])).code).toBe(0);
    ok(await cpi.call("detach_disk", [vm, persistent]), "detach_disk");
    ok(await cpi.call("delete_vm", [vm]), "delete_vm");
    const freed = await rest.node(S.node);
    expect(freed).toMatchObject({ provision_state: "available", instance_uuid: null });
    // no cleaning ran: the disk's data is still on the device
    expect(freed["automated_clean"]).toBe(false);

    const st = unpackStemcell(bed().stemcells.qcow2);
    qcowStemcell = ok<string>(
      await cpi.call("create_stemcell", [st.image, st.cloudProperties]),
      "create_stemcell qcow2",
    );
    // the director sends the VM's disks with create_vm (bosh-cli's client always sends none): placement follows them
    const agentId = randomUUID();
    const r = await cpi.director.call("create_vm", [agentId, qcowStemcell, vmType, networks(), [persistent], env()]);
    if (r.response?.error) throw new Error(`create_vm qcow2: ${r.response.error.message}\n${context()}`);
    vm = (r.response!.result as [string])[0];
    measured["create_vm qcow2 (to active)"] = r.duration_ms;
    expect((await rest.vmNode(vm)).uuid).toBe(S.node);

    expect((await agent("ping", [], { wait: 1800 })).result).toBe("pong");
    const hint = ok<Record<string, unknown>>(await cpi.call("attach_disk", [vm, persistent]), "attach_disk");
    expect((await agent("add_persistent_disk", [persistent, JSON.stringify(hint)])).code).toBe(0);
    expect((await agent("mount_disk", [persistent])).code).toBe(0);
    const read = await onConsole((c) => c.run("cat /var/vcap/store/e2e.txt"));
    expect(read.out.trim()).toBe(MARK);
  });

  it("delete_disk, delete_vm: the device is wiped (Ironic's cleaning); the server is available again", async () => {
    expect((await agent("unmount_disk", [persistent])).code).toBe(0);
    ok(await cpi.call("detach_disk", [vm, persistent]), "detach_disk");
    ok(await cpi.call("delete_disk", [persistent]), "delete_disk");
    const t0 = performance.now();
    ok(await cpi.call("delete_vm", [vm]), "delete_vm");
    measured["delete_vm with the wipe (cleaning)"] = Math.round(performance.now() - t0);
    expect(await rest.node(S.node)).toMatchObject({ provision_state: "available", instance_uuid: null });
    // the persistent disk holds no partition table and no file system any more
    expect(await partitionTable(disk(S, "persistent").path)).toBeUndefined();
    expect(await blkid(disk(S, "persistent").path).catch(() => ({}))).not.toHaveProperty("TYPE");
    ok(await cpi.call("delete_stemcell", [rawStemcell]), "delete_stemcell raw");
    ok(await cpi.call("delete_stemcell", [qcowStemcell]), "delete_stemcell qcow2");
    expect(readdirSync(join(bed().webdav.dataDir, folder))).toEqual([]);
  });
});

/** The server's Redfish System as its BMC reports it. */
async function bmc(systemId: string): Promise<Record<string, unknown>> {
  const b = bed().bmc;
  const res = await fetch(`${b.url}${systemId}`, {
    headers: { authorization: `Basic ${Buffer.from(`${b.username}:${b.password}`).toString("base64")}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}
