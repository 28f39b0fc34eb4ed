// vitest globalSetup of the "e2e" project, which runs inside a network namespace of its own
// (scripts/e2e.sh → netns-run.sh): the test bed of emulated servers (QEMU under software emulation,
// libvirt, sushy-tools' Redfish BMC), today's Ironic with redfish + virtual media + direct deploy, and
// the stemcell store (nginx WebDAV) on the bed's bridge, where the servers' deploy ramdisk reads images.
// The servers are enrolled as an operator enrolls them: redfish driver, the IPA ramdisk, one port per NIC,
// manage → provide (no cleaning now; the CPI decides per server later). A bed that cannot start fails the
// run with its diagnostics; nothing is skipped.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type BedIronic, startBedIronic } from "../harness/testbed/bed-ironic.ts";
import { ipaRamdisk } from "../harness/testbed/ipa-ramdisk.ts";
import { type Testbed, standardServer, startTestbed } from "../harness/testbed/testbed.ts";
import { type WebdavServer, startWebdav } from "../harness/webdav.ts";
import { IronicRest } from "../support/ironic-rest.ts";
import type { E2eServer } from "./context.ts";

/** Who uses which server (each test file its own, so the files can run side by side). */
const SERVERS = [
  // the agent's lifecycle (raw, then qcow2: memory for qcow2's conversion in the ramdisk), two NICs: the second unused
  { ...standardServer(0, { memoryMiB: 3072 }), macs: ["52:54:00:be:00:01", "52:54:00:be:00:02"], role: "agent" },
  // the failure cases
  { ...standardServer(1), role: "failures" },
  // two NICs in a bond, a VLAN on it
  {
    ...standardServer(2, { disks: standardServer(2).disks.slice(0, 2) }),
    macs: ["52:54:00:be:02:01", "52:54:00:be:02:02"],
    role: "bond",
  },
] as const;

function stemcellDir(): string {
  const dir = process.env["BOSH_IRONIC_CPI_STEMCELL"];
  if (!dir || !existsSync(join(dir, "stemcell-raw.tgz")))
    throw new Error(
      `e2e: BOSH_IRONIC_CPI_STEMCELL (${dir ?? "unset"}) holds no stemcell-raw.tgz: run the e2e through scripts/e2e.sh`,
    );
  return dir;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`e2e setup: ${what} not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stemcells = stemcellDir();
  const ipa = await ipaRamdisk();
  const bed: Testbed = await startTestbed({
    servers: SERVERS.map(({ role: _, macs, ...spec }) => ({ ...spec, macs: [...macs] })),
  });
  let ironic: BedIronic | undefined;
  let dav: WebdavServer | undefined;
  const teardown = async () => {
    await dav?.stop().catch(() => undefined);
    await ironic?.stop().catch(() => undefined);
    await bed.stop();
  };
  try {
    [ironic, dav] = await Promise.all([startBedIronic(bed), startWebdav({ host: bed.address })]);
    const rest = new IronicRest(ironic.url);
    const kernel = bed.http.publish(ipa.kernel, "ipa.kernel");
    const ramdisk = bed.http.publish(ipa.initramfs, "ipa.initramfs");
    const servers: E2eServer[] = [];
    for (const [i, s] of bed.servers.entries()) {
      const role = SERVERS[i]!.role;
      const node = await rest.call<{ uuid: string }>("POST", "/v1/nodes", {
        name: s.name,
        driver: "redfish",
        driver_info: {
          redfish_address: bed.bmc.url,
          redfish_system_id: s.redfishSystemId,
          redfish_username: bed.bmc.username,
          redfish_password: bed.bmc.password,
          deploy_kernel: kernel,
          deploy_ramdisk: ramdisk,
        },
        resource_class: `e2e-${role}`,
        properties: { cpus: 1, memory_mb: SERVERS[i]!.memoryMiB ?? 2048, local_gb: 4, cpu_arch: "x86_64" },
        automated_clean: false,
      });
      for (const [k, mac] of s.macs.entries())
        await rest.call("POST", "/v1/ports", { node_uuid: node.uuid, address: mac, pxe_enabled: k === 0 });
      await rest.call("PUT", `/v1/nodes/${node.uuid}/states/provision`, { target: "manage" });
      await waitFor(
        `${s.name} manageable`,
        async () => (await rest.node(node.uuid)).provision_state === "manageable",
        180_000,
      );
      await rest.call("PUT", `/v1/nodes/${node.uuid}/states/provision`, { target: "provide" });
      await waitFor(
        `${s.name} available`,
        async () => (await rest.node(node.uuid)).provision_state === "available",
        180_000,
      );
      servers.push({
        role,
        name: s.name,
        domain: s.domain,
        node: node.uuid,
        macs: [...s.macs],
        address: s.address,
        disks: s.disks.map((d) => ({ role: d.role, serial: d.serial, path: d.path, sizeMiB: d.sizeMiB })),
        consoleFile: s.consoleFile,
        consoleSocket: s.consoleSocket,
        redfishSystemId: s.redfishSystemId,
      });
    }
    project.provide("bed", {
      dir: bed.dir,
      address: bed.address,
      subnet: bed.network.subnet,
      bridge: bed.network.bridge,
      libvirtUri: bed.libvirt.uri,
      ironicUrl: ironic.url,
      ironicLog: ironic.server.logFile,
      ipaLogs: ironic.deployLogsDir,
      bmc: { url: bed.bmc.url, username: bed.bmc.username, password: bed.bmc.password },
      webdav: { url: dav.url, username: dav.username, password: dav.password, dataDir: dav.dataDir },
      servers,
      stemcells: {
        dir: stemcells,
        raw: join(stemcells, "stemcell-raw.tgz"),
        qcow2: join(stemcells, "stemcell-qcow2.tgz"),
        manifest: readFileSync(join(stemcells, "build.txt"), "utf8"),
      },
    });
    process.stdout.write(`[e2e] test bed ${bed.id} ready in ${JSON.stringify(bed.timings)} ms per step\n`);
  } catch (err) {
    const why = `${err instanceof Error ? err.stack : String(err)}\n${bed.diagnostics(40)}`;
    await teardown();
    throw new Error(`e2e: the test bed could not start:\n${why}`);
  }
  return teardown;
}
