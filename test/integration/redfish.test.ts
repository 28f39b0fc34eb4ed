// Servers of the `redfish` hardware type, their BMC a real Redfish service: sushy-tools' emulator with its
// fake driver (test/harness/sushy.ts). Ironic talks Redfish to it (HTTP basic auth) for power, boot mode,
// health and virtual media; nothing boots, so what needs a deploy ramdisk cannot run here:
// - Ironic refuses the `fake` deploy interface for `redfish` (RedfishHardware inherits GenericHardware's
//   deploy interfaces, which do not include it), so a create_vm on a redfish server always needs a real
//   ramdisk (the test bed's job). What runs without one: enrolment through create_vm up to Ironic's
//   refusal of the deploy, and every VM method on a server already running a VM.
// - The VM of the power tests is made by the CPI on fake-hardware and then handed to the BMC the way an
//   operator moves a server to another driver (maintenance, driver + driver_info, reset_interfaces).
// The BMC password is registered with the log scan: it must show up in no answer and no log line.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { run as reconcile } from "../../src/commands/reconcile.ts";
import { type SushyServer, startSushy } from "../harness/sushy.ts";
import { createNode, removeNodes, someConductorGroup, uniqueTag } from "../support/ironic-fixtures.ts";
import { IronicRest } from "../support/ironic-rest.ts";
import { startRewriteProxy } from "../support/rewrite-proxy.ts";
import { registerSecret } from "../support/secrets.ts";
import { ironicUrl } from "../support/servers.ts";
import { harness, vmConfig } from "./vm-support.ts";

// the power-sync waits below may take minutes late in a loaded suite (nodeUntil)
vi.setConfig({ testTimeout: 300_000 });

const rest = new IronicRest(ironicUrl());
const PREFIX = `redfish-${uniqueTag()}`;
const BMC_PASSWORD = `bmc-redfish-pw-${uniqueTag()}Xq7`;
registerSecret("bmcPasswordRedfish", BMC_PASSWORD);

let bmc: SushyServer;
let h: ReturnType<typeof harness>;
/** Every answer and log line of this file's CPI calls, to look for the password directly too. */
const cpiOutput: string[] = [];

beforeAll(async () => {
  bmc = await startSushy({
    password: BMC_PASSWORD,
    systems: [
      { name: `${PREFIX}-enrol`, power_state: "Off" },
      { name: `${PREFIX}-legacy`, power_state: "Off", boot_mode: "Legacy" },
      { name: `${PREFIX}-vm`, power_state: "Off" },
      { name: `${PREFIX}-badpw`, power_state: "Off" },
      { name: `${PREFIX}-sick`, power_state: "Off" },
    ],
  });
  h = harness(vmConfig(), { logWrite: (line) => cpiOutput.push(line) });
});
afterEach(() => {
  expect(cpiOutput.filter((l) => l.includes(BMC_PASSWORD))).toEqual([]);
});
afterAll(async () => {
  await removeNodes(rest, PREFIX).catch(() => undefined);
  await bmc?.stop();
});

const system = (name: string) => bmc.systems.find((s) => s.name === `${PREFIX}-${name}`)!;
const driverInfo = (name: string, password = BMC_PASSWORD) => ({
  redfish_address: bmc.url,
  redfish_system_id: bmc.systemId(system(name)),
  redfish_username: bmc.username,
  redfish_password: password,
});

/** GET with the newest microversion this Ironic speaks (the shared helper pins 1.82). */
async function latest(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${ironicUrl()}${path}`, { headers: { "X-OpenStack-Ironic-API-Version": "latest" } });
  expect(res.ok).toBe(true);
  return (await res.json()) as Record<string, unknown>;
}

/** The BMC's record of a system: PowerState, Boot.BootSourceOverrideMode, Status.Health. */
const bmcSystem = (name: string) => bmc.get(bmc.systemId(system(name)));

/** Waits (bounded) until `check` holds for the node; answers it. */
async function nodeUntil(
  uuid: string,
  check: (n: Record<string, unknown>) => boolean,
  // one power sync: every 5 s on an idle Ironic; late in the whole suite on Ironic 39 (one conductor on sqlite
  // holding every earlier file's nodes, a loaded machine) a sync took longer than 60 s
  timeoutMs = 240_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await latest(`/v1/nodes/${uuid}`);
    if (check(n)) return n;
    if (Date.now() > deadline)
      throw new Error(`node ${uuid}: condition not met in ${timeoutMs} ms: ${JSON.stringify(n).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** An enrolled redfish server, brought to `manageable` (Ironic validates the BMC on the way). */
async function enrolDirectly(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const node = await rest.call<{ uuid: string }>("POST", "/v1/nodes", {
    name: `${PREFIX}-${name}`,
    driver: "redfish",
    driver_info: driverInfo(name),
    conductor_group: someConductorGroup(),
    ...extra,
  });
  await rest.provision(node.uuid, "manage", ["manageable"]);
  return node.uuid;
}

describe("health (API 1.109: today's Ironic; 21.4 has none)", () => {
  it("a server whose BMC reports Critical is never picked; the refusal and reconcile --dry-run count it", async () => {
    // sushy-tools' fake driver always says OK: its System answer is rewritten on the way to Ironic
    const sick = bmc.systemId(system("sick"));
    const proxy = await startRewriteProxy(bmc.url, (method, path, body) =>
      method === "GET" && path === sick ? body.replace(/"Health":\s*"OK"/g, '"Health": "Critical"') : body,
    );
    try {
      const rc = `${PREFIX}-sick-rc`;
      const node = await rest.call<{ uuid: string }>("POST", "/v1/nodes", {
        name: `${PREFIX}-sick`,
        driver: "redfish",
        driver_info: { ...driverInfo("sick"), redfish_address: proxy.url },
        conductor_group: someConductorGroup(),
        resource_class: rc,
        properties: { bosh_ephemeral_device: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2" },
      });
      await rest.call("POST", "/v1/ports", { node_uuid: node.uuid, address: system("sick").nics[0]!.mac });
      await rest.provision(node.uuid, "manage", ["manageable"]);
      await rest.provision(node.uuid, "provide", ["available"]);
      const root = (await latest("/")) as { default_version: { version: string } };
      const minor = Number(root.default_version.version.split(".")[1]);
      if (minor < 109) {
        // 21.4: no health at all; the server is picked as before (and its deploy, without a ramdisk, fails)
        const r = await h.createVm({ resource_class: rc });
        cpiOutput.push(JSON.stringify(r));
        expect(r.error?.message).toContain(node.uuid);
        return;
      }
      // the power sync reads the BMC's health into the node
      await nodeUntil(node.uuid, (n) => n["health"] === "Critical");
      const r = await h.createVm({ resource_class: rc });
      cpiOutput.push(JSON.stringify(r));
      expect(r.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: false });
      expect(r.error!.message).toMatch(/no free Ironic node matches .*rejected: 1 health Critical/);
      expect(await rest.node(node.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });

      const dir = mkdtempSync(join(tmpdir(), "reconcile-health-"));
      writeFileSync(join(dir, "cpi.json"), JSON.stringify(vmConfig()));
      const out: string[] = [];
      expect(
        await reconcile(["--config", join(dir, "cpi.json"), "--dry-run"], {
          stdout: (t) => out.push(t),
          stderr: () => {},
          env: {},
        }),
      ).toBe(0);
      const report = JSON.parse(out.join("")) as { unhealthy_servers: { node: string; health: string }[] };
      expect(report.unhealthy_servers).toContainEqual({ node: node.uuid, name: `${PREFIX}-sick`, health: "Critical" });
    } finally {
      // gone before its BMC address is: a node whose BMC does not answer slows every power sync after it
      const left = await rest.findNode(`${PREFIX}-sick`);
      if (left) await rest.forceDelete(left.uuid);
      await proxy.close();
    }
  });
});

describe("what Ironic accepts for a redfish server", () => {
  it("refuses the fake deploy interface, accepts redfish-virtual-media boot with the direct deploy", async () => {
    const fake = await fetch(`${ironicUrl()}/v1/nodes`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-OpenStack-Ironic-API-Version": "latest" },
      body: JSON.stringify({ name: `${PREFIX}-fakedeploy`, driver: "redfish", deploy_interface: "fake" }),
    });
    expect(fake.status).toBe(400);
    expect(await fake.text()).toMatch(/deploy interface .*is not supported by hardware type RedfishHardware/);
    const uuid = await enrolDirectly("enrol", { boot_interface: "redfish-virtual-media", deploy_interface: "direct" });
    const validate = await latest(`/v1/nodes/${uuid}/validate`);
    // power and management talk to the BMC; boot and deploy want the deploy ramdisk, which nothing here has
    expect(validate["power"]).toEqual({ result: true });
    expect(validate["management"]).toEqual({ result: true });
    expect(validate["boot"]).toMatchObject({ result: false, reason: expect.stringMatching(/deploy_kernel/) });
    await rest.forceDelete(uuid);
  });

  it("reads power state, boot mode and (API >= 1.109) the BMC's health into the node", async () => {
    const uuid = await enrolDirectly("legacy");
    const root = await latest("/");
    const max = String((root["default_version"] as { version: string }).version);
    const [major, minor] = max.split(".").map(Number);
    // health is cached by the power sync (conductor/utils.py node_cache_health), so wait for one
    const n = await nodeUntil(
      uuid,
      (d) => d["power_state"] === "power off" && d["boot_mode"] === "bios" && (minor! < 109 || d["health"] === "OK"),
    );
    expect(major).toBe(1);
    if (minor! >= 109) expect(n["health"]).toBe("OK");
    else expect(n).not.toHaveProperty("health"); // Debian's 21.4 (API 1.82) has no such field
    const sys = await bmcSystem("legacy");
    expect(sys).toMatchObject({ PowerState: "Off", Boot: { BootSourceOverrideMode: "Legacy" } });
    // Ironic shows the password masked, never the value
    expect((n["driver_info"] as Record<string, unknown>)["redfish_password"]).toBe("******");
    await rest.forceDelete(uuid);
  });
});

describe("create_vm enrolling a redfish server", () => {
  it("enrols it from ironic_params (redfish-virtual-media), reaches the BMC, and a deploy without a ramdisk fails cleanly", async () => {
    const mac = system("enrol").nics[0]!.mac;
    const name = `${PREFIX}-enrol-cpi`;
    const r = await h.createVm({
      macs: [mac],
      conductor_group: someConductorGroup(),
      boot_mode: "uefi",
      ironic_params: {
        driver: "redfish",
        name,
        driver_info: driverInfo("enrol"),
        boot_interface: "redfish-virtual-media",
        deploy_interface: "direct",
        properties: { bosh_ephemeral_device: "/dev/sdb" },
      },
    });
    cpiOutput.push(JSON.stringify(r));
    // Ironic refuses the deploy (no deploy_kernel/deploy_ramdisk), which a retry elsewhere may not meet
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed" });
    expect(r.error!.message).toMatch(/deploy_kernel/);
    expect(JSON.stringify(r)).not.toContain(BMC_PASSWORD);
    // the enrolled node and its port are gone again
    expect(await rest.findNode(name)).toBeUndefined();
    expect((await rest.call<{ ports: unknown[] }>("GET", `/v1/ports?address=${mac}`)).ports).toEqual([]);
    // and Ironic did reach the BMC with the credentials: the emulator logged its authenticated reads
    expect(bmc.logTail(2000)).toMatch(
      new RegExp(`"GET ${bmc.systemId(system("enrol")).replace(/[/.-]/g, "\\$&")} HTTP/1.1" 200`),
    );
  });

  it("a wrong BMC password fails the enrolment with Ironic's reason and leaves nothing", async () => {
    const wrong = `wrong-${BMC_PASSWORD}`;
    registerSecret("bmcPasswordRedfishWrong", wrong);
    const mac = system("badpw").nics[0]!.mac;
    const name = `${PREFIX}-badpw-cpi`;
    const started = Date.now();
    const r = await h.createVm({
      macs: [mac],
      conductor_group: someConductorGroup(),
      // bounds the test: Ironic gives up on the BMC in ~1 s (the node goes back to enroll with last_error)
      deploy_timeout: 30,
      ironic_params: {
        driver: "redfish",
        name,
        driver_info: driverInfo("badpw", wrong),
        properties: { bosh_ephemeral_device: "/dev/sdb" },
      },
    });
    cpiOutput.push(JSON.stringify(r));
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed" });
    // Ironic's reason (redfish: "... returned code 401 ... Incorrect username or password"), at once
    expect(r.error!.message).toMatch(/401|Incorrect username or password/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(JSON.stringify(r)).not.toContain(wrong);
    expect(cpiOutput.filter((l) => l.includes(wrong))).toEqual([]);
    expect(await rest.findNode(name)).toBeUndefined();
    expect(bmc.logTail(2000)).toMatch(/ 401 -/);
  });
});

describe("a VM on a redfish server", () => {
  let vmCid: string;
  let uuid: string;

  beforeAll(async () => {
    // made by the CPI on fake-hardware, then handed to the BMC as an operator moves a server to redfish
    const node = await createNode(rest, `${PREFIX}-vm`, { conductor_group: someConductorGroup() });
    const r = await h.createVm({ macs: node.macs });
    expect(r.error).toBeNull();
    vmCid = (r.result as [string])[0];
    uuid = node.uuid;
    await rest.call("PUT", `/v1/nodes/${uuid}/maintenance`, { reason: "moving to its BMC" });
    await rest.call("PATCH", `/v1/nodes/${uuid}?reset_interfaces=true`, [
      { op: "replace", path: "/driver", value: "redfish" },
      { op: "replace", path: "/driver_info", value: driverInfo("vm") },
      { op: "add", path: "/boot_interface", value: "redfish-virtual-media" },
    ]);
    await rest.call("DELETE", `/v1/nodes/${uuid}/maintenance`);
  });

  it("Ironic's power sync makes the node follow the BMC, and the BMC follow the node", async () => {
    // the node is `power off` in Ironic (fake-hardware's deploy left it so), the BMC agrees after one sync
    await nodeUntil(uuid, (n) => n["power_state"] === "power off");
    // someone presses the power button: the sync ([conductor] force_power_state_during_sync, on by default)
    // sees the mismatch and powers the server off again through the BMC
    const press = await fetch(`${bmc.url}${bmc.systemId(system("vm"))}/Actions/ComputerSystem.Reset`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: `Basic ${Buffer.from(`${bmc.username}:${bmc.password}`).toString("base64")}`,
      },
      body: JSON.stringify({ ResetType: "On" }),
    });
    expect(press.status).toBe(204);
    const deadline = Date.now() + 240_000;
    let sawOn = false;
    for (;;) {
      const s = (await bmcSystem("vm"))["PowerState"];
      if (s === "On") sawOn = true;
      if (sawOn && s === "Off") break;
      if (Date.now() > deadline) throw new Error(`BMC power: on seen ${sawOn}, now ${s}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect((await latest(`/v1/nodes/${uuid}`))["power_state"]).toBe("power off");
  });

  it("reboot_vm powers the server on through the BMC", async () => {
    const r = await h.call("reboot_vm", [vmCid]);
    cpiOutput.push(JSON.stringify(r));
    expect(r.error).toBeNull();
    expect((await latest(`/v1/nodes/${uuid}`))["power_state"]).toBe("power on");
    expect(await bmcSystem("vm")).toMatchObject({ PowerState: "On" });
    expect(bmc.logTail(5000)).toMatch(
      /"POST \/redfish\/v1\/Systems\/[^/]+\/Actions\/ComputerSystem\.Reset HTTP\/1\.1" 204/,
    );
  });

  it("has_vm and set_vm_metadata see it; delete_vm powers it off through the BMC and frees the server", async () => {
    expect((await h.call("has_vm", [vmCid])).result).toBe(true);
    expect((await h.call("set_vm_metadata", [vmCid, { deployment: "redfish", name: "vm/0" }])).error).toBeNull();
    const r = await h.call("delete_vm", [vmCid]);
    cpiOutput.push(JSON.stringify(r));
    expect(r.error).toBeNull();
    expect(await rest.node(uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
    expect(await bmcSystem("vm")).toMatchObject({ PowerState: "Off" });
    expect((await h.call("has_vm", [vmCid])).result).toBe(false);
  });
});
