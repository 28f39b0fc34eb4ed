// The test bed's own proof, without the CPI: Ironic 39 enrolls an emulated server (redfish driver,
// sushy-tools' libvirt BMC), boots it from a virtual-media ISO of the IPA ramdisk, has IPA write a small
// whole-disk image and a config drive to the disk named by a serial hint, reboots it into that disk, and
// undeploys it without and with cleaning. Every check looks from outside: the disk files, the console
// file, the BMC. Run inside a namespace of its own:
//   bash test/harness/testbed/netns-run.sh npx vitest run --config test/harness/testbed/vitest.config.ts
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { IronicRest } from "../../support/ironic-rest.ts";
import { type BedIronic, startBedIronic } from "./bed-ironic.ts";
import { type TestDiskImage, makeTestDiskImage } from "./disk-image.ts";
import { blkid, extractIso, extractPartition, partitionTable, readRange, sha256, allZero } from "./disk-inspect.ts";
import { ipaRamdisk } from "./ipa-ramdisk.ts";
import { type NodeSnapshot, newTimeline, waitForNode } from "./node-timeline.ts";
import { waitFor } from "./run.ts";
import { type Testbed, type TestbedServer, standardServer, startTestbed } from "./testbed.ts";

const MiB = 1024 * 1024;
const DEPLOY_TIMEOUT = 20 * 60_000;

let bed: Testbed;
let ironic: BedIronic;
let rest: IronicRest;
let server: TestbedServer;
let image: TestDiskImage;
let urls: { kernel: string; ramdisk: string; image: string };
let nodeUuid: string;
/** what the run measured, printed at the end (the README's figures come from here) */
const measured: Record<string, number> = {};

const context = () => `${bed.diagnostics(60)}\n--- Ironic ---\n${ironic?.server.logTail(40) ?? ""}`;
const node = () => rest.call<NodeSnapshot & { uuid: string }>("GET", `/v1/nodes/${nodeUuid}`);

function networkData(s: TestbedServer) {
  return {
    links: [{ id: "port0", type: "phy", ethernet_mac_address: s.macs[0] }],
    networks: [
      {
        id: "provisioning",
        network_id: "provisioning",
        link: "port0",
        type: "ipv4",
        ip_address: s.address,
        netmask: "255.255.255.0",
        routes: [],
      },
    ],
    services: [],
  };
}

/** The console since the last time SeaBIOS booted from the hard disk (its line marks each disk boot). */
function sinceLastDiskBoot(s: TestbedServer): string | undefined {
  const text = s.console();
  const i = text.lastIndexOf("Booting from Hard Disk");
  return i < 0 ? undefined : text.slice(i);
}

async function deploy(label: string): Promise<NodeSnapshot> {
  await rest.call("PATCH", `/v1/nodes/${nodeUuid}`, [
    {
      op: "add",
      path: "/instance_info",
      value: {
        image_source: urls.image,
        // IPA needs the format from Ironic: without it, IPA 13's format inspection calls every MBR/GPT
        // disk image "gpt" and runs `qemu-img convert -f gpt` (no such driver: the deploy fails)
        image_disk_format: "raw",
        image_os_hash_algo: "sha256",
        image_os_hash_value: image.sha256,
        // the CPI names the system disk by a hint; IPA must pick ROOT-00 of the three
        root_device: { serial: server.disks[0]!.serial },
      },
    },
  ]);
  const timeline = newTimeline();
  const t0 = performance.now();
  // when the disk's boot code speaks: only what the console gains from now on counts
  const consoleStart = server.console().length;
  let markerAt: number | undefined;
  const watch = setInterval(() => {
    const text = server.console().slice(consoleStart);
    const boot = text.lastIndexOf("Booting from Hard Disk");
    if (markerAt === undefined && boot >= 0 && text.slice(boot).includes(image.bootMarker))
      markerAt = Math.round(performance.now() - t0);
  }, 250);
  try {
    await rest.call("PUT", `/v1/nodes/${nodeUuid}/states/provision`, {
      target: "active",
      configdrive: {
        meta_data: { uuid: `vm-${label}`, name: `vm-${label}`, hostname: `vm-${label}` },
        user_data: `{"testbed":"${label}"}`,
        network_data: networkData(server),
      },
    });
    const n = await waitForNode(node, ["active"], { timeoutMs: DEPLOY_TIMEOUT, timeline, since: t0, context });
    measured[`${label}: deploy to active`] = Math.round(performance.now() - t0);
    // Ironic is done once it powered the server on from its disk; the disk's boot is the console's
    await waitFor(
      `the disk's boot code on ${server.name}'s console`,
      () => (markerAt === undefined ? undefined : true),
      {
        timeoutMs: 180_000,
        everyMs: 250,
      },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${context()}`);
    });
    process.stdout.write(
      `[deploy ${label}] timeline:\n${timeline}\n  +${(markerAt! / 1000).toFixed(1)} s  console: ${image.bootMarker}\n`,
    );
    const at = (re: RegExp) => timeline.at(re);
    const after = (re: RegExp) => {
      const i = timeline.entries.findIndex((e) => re.test(e.state));
      return i < 0 ? undefined : timeline.entries.slice(i + 1).find((e) => !re.test(e.state))?.at;
    };
    const span = (name: string, from: number | undefined, to: number | undefined) => {
      if (from !== undefined && to !== undefined) measured[`${label}: ${name}`] = to - from;
    };
    span("ISO built, inserted, server on", 0, at(/^wait call-back/));
    span("ramdisk boot to first heartbeat", at(/^wait call-back/), after(/^wait call-back→active, step deploy,/));
    span("write_image step (download, checksum, dd, config drive)", at(/step write_image/), after(/step write_image/));
    span("ramdisk power-off to the disk's boot code", at(/step tear_down_agent/), markerAt);
    return n;
  } finally {
    clearInterval(watch);
  }
}

async function undeploy(label: string): Promise<void> {
  const timeline = newTimeline();
  const t0 = performance.now();
  await rest.call("PUT", `/v1/nodes/${nodeUuid}/states/provision`, { target: "deleted" });
  await waitForNode(node, ["available"], { timeoutMs: DEPLOY_TIMEOUT, timeline, since: t0, context });
  measured[`${label}: undeploy to available`] = Math.round(performance.now() - t0);
  process.stdout.write(`[undeploy ${label}] timeline:\n${timeline}\n`);
}

beforeAll(async () => {
  // the ramdisk first: its first build takes long, and the bed need not run meanwhile
  const t = performance.now();
  const ipa = await ipaRamdisk();
  measured["ipa-ramdisk.sh (cached or built)"] = Math.round(performance.now() - t);
  bed = await startTestbed({ servers: [standardServer(0)] });
  Object.assign(measured, Object.fromEntries(Object.entries(bed.timings).map(([k, v]) => [`bed start: ${k}`, v])));
  try {
    const ti = performance.now();
    ironic = await startBedIronic(bed);
    measured["Ironic start"] = Math.round(performance.now() - ti);
    rest = new IronicRest(ironic.url);
    server = bed.servers[0]!;
    image = await makeTestDiskImage(join(bed.dir, "image"));
    urls = {
      kernel: bed.http.publish(ipa.kernel, "ipa.kernel"),
      ramdisk: bed.http.publish(ipa.initramfs, "ipa.initramfs"),
      image: bed.http.publish(image.path, "test-disk.raw"),
    };
  } catch (e) {
    await ironic?.stop();
    await bed.stop();
    throw e;
  }
}, 3_600_000);

afterAll(async () => {
  process.stdout.write(`[testbed measured, ms] ${JSON.stringify(measured, null, 1)}\n`);
  await ironic?.stop();
  await bed?.stop();
}, 120_000);

describe("the test bed's deploy chain (Ironic 39, redfish, virtual media, direct deploy)", () => {
  test("enrolls a Redfish server and makes it available", async () => {
    const created = await rest.call<{ uuid: string; boot_interface: string; deploy_interface: string }>(
      "POST",
      "/v1/nodes",
      {
        name: server.name,
        driver: "redfish",
        driver_info: {
          redfish_address: bed.bmc.url,
          redfish_system_id: server.redfishSystemId,
          redfish_username: bed.bmc.username,
          redfish_password: bed.bmc.password,
          deploy_kernel: urls.kernel,
          deploy_ramdisk: urls.ramdisk,
        },
        // the ramdisk's static address (virtual media carries it as network_data.json; no DHCP in the bed)
        network_data: networkData(server),
        // first without cleaning; the undeploy test turns it on for this node only
        automated_clean: false,
      },
    );
    nodeUuid = created.uuid;
    expect(created.boot_interface).toBe("redfish-virtual-media");
    expect(created.deploy_interface).toBe("direct");
    await rest.call("POST", "/v1/ports", { node_uuid: nodeUuid, address: server.macs[0] });
    const t0 = performance.now();
    await rest.call("PUT", `/v1/nodes/${nodeUuid}/states/provision`, { target: "manage" });
    let n = await waitForNode(node, ["manageable"], { timeoutMs: 120_000, context });
    measured["manage"] = Math.round(performance.now() - t0);
    expect(n.power_state).toBe("power off");
    const t1 = performance.now();
    await rest.call("PUT", `/v1/nodes/${nodeUuid}/states/provision`, { target: "provide" });
    n = await waitForNode(node, ["available"], { timeoutMs: 120_000, context });
    measured["provide (no cleaning)"] = Math.round(performance.now() - t1);
    const sys = await bed.bmc.get<{ PowerState: string }>(server.redfishSystemId);
    expect(sys.PowerState).toBe("Off");
  });

  test("deploys a whole-disk image with a config drive; the server boots from its disk", async () => {
    const n = await deploy("first");
    expect(n.power_state).toBe("power on");

    // the console: the ramdisk came from the virtual CD, the marker from the disk's own boot code
    const console = server.console();
    expect(console).toContain("Booting from DVD/CD");
    expect(sinceLastDiskBoot(server)).toContain(image.bootMarker);

    // the root disk, from outside: the image's partition, then the config drive IPA added at the end
    const root = server.disks[0]!;
    const table = await partitionTable(root.path);
    expect(table?.label).toBe("dos");
    expect(table!.partitions.length).toBe(2);
    const [p1, p2] = table!.partitions;
    expect(p1).toMatchObject({ number: 1, start: MiB, bootable: true });
    expect(p2!.start).toBeGreaterThanOrEqual(image.sizeBytes);
    expect(p2!.start + p2!.size).toBeLessThanOrEqual(root.sizeMiB * MiB);
    // the image's bytes as written (the MBR's table now also lists the config drive)
    expect(sha256(readRange(root.path, 0, 440))).toBe(sha256(readRange(image.path, 0, 440)));
    expect(sha256(readRange(root.path, 512, image.sizeBytes - 512))).toBe(
      sha256(readRange(image.path, 512, image.sizeBytes - 512)),
    );
    const drive = extractPartition(root.path, p2!, join(bed.dir, "config-drive.iso"));
    expect(await blkid(drive)).toMatchObject({ LABEL: "config-2" });
    const files = join(bed.dir, "config-drive");
    await extractIso(drive, files);
    const meta = JSON.parse(readFileSync(join(files, "openstack/latest/meta_data.json"), "utf8"));
    expect(meta.uuid).toBe("vm-first");
    expect(readFileSync(join(files, "openstack/latest/user_data"), "utf8")).toBe('{"testbed":"first"}');
    const net = JSON.parse(readFileSync(join(files, "openstack/latest/network_data.json"), "utf8"));
    expect(net.links[0].ethernet_mac_address).toBe(server.macs[0]);
    // the hint chose ROOT-00: nothing was written to the other disks
    for (const d of server.disks.slice(1)) expect(allZero(d.path), d.serial).toBe(true);

    // the BMC: on, booting from the disk, the virtual media ejected
    const sys = await bed.bmc.get<{ PowerState: string; Boot: { BootSourceOverrideTarget: string } }>(
      server.redfishSystemId,
    );
    expect(sys.PowerState).toBe("On");
    expect(sys.Boot.BootSourceOverrideTarget).toBe("Hdd");
    const cd = await bed.bmc.get<{ Inserted: boolean; Image: string | null }>(
      `${server.redfishSystemId}/VirtualMedia/Cd`,
    );
    expect(cd.Inserted).toBe(false);

    // IPA's logs of the deploy reached the conductor
    expect(readdirSync(ironic.deployLogsDir).length).toBeGreaterThan(0);
  });

  test("undeploys without cleaning (the node's automated_clean false): the disk keeps its data", async () => {
    await undeploy("no cleaning");
    const n = await node();
    expect(n.power_state).toBe("power off");
    expect((await partitionTable(server.disks[0]!.path))?.partitions.length).toBe(2);
  });

  test("deploys again and undeploys with cleaning (automated_clean true): the metadata is erased", async () => {
    await rest.call("PATCH", `/v1/nodes/${nodeUuid}`, [{ op: "replace", path: "/automated_clean", value: true }]);
    await deploy("second");
    await undeploy("cleaning");
    const n = await node();
    expect(n.power_state).toBe("power off");
    // IPA's erase_devices_metadata wiped the partition tables of every disk
    expect(await partitionTable(server.disks[0]!.path)).toBeUndefined();
  });
});
