// What the CPI does with Ironic's newer API, on the real Ironic of the run: today's (39, API up to 1.109 for
// the CPI) and Debian's 21.4 (1.82, which has protection, history and shards, but not disable_power_off or
// health). Each test says what the Ironic that lacks a feature must still do.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { run as reconcile } from "../../src/commands/reconcile.ts";
import { startFaultProxy } from "../support/fault-proxy.ts";
import {
  IronicRest,
  claimedWithoutVm,
  createNode,
  nodesOf,
  removeNodes,
  uniqueTag,
} from "../support/ironic-fixtures.ts";
import { ironicUrl } from "../support/servers.ts";
import { harness, servedStemcell, vmConfig } from "./vm-support.ts";

const rest = new IronicRest(ironicUrl());
const PREFIX = `feat-${uniqueTag()}`;
/** A director's env: groups name director, deployment, instance group. */
const ENV = {
  bosh: {
    group: "prod-director-cf-router",
    groups: ["prod-director", "cf", "router", "prod-director-cf", "cf-router", "prod-director-cf-router"],
  },
};
let h: ReturnType<typeof harness>;
let image: Awaited<ReturnType<typeof servedStemcell>>;
let live: string[] = [];
/** The highest microversion this Ironic serves, and one REST view at it. */
let max = 0;
let latest: IronicRest;

beforeAll(async () => {
  image = await servedStemcell();
  h = harness(vmConfig(), { stemcells: image.stemcells, env: ENV });
  const root = await rest.call<{ default_version: { version: string } }>("GET", "/");
  max = Number(root.default_version.version.split(".")[1]);
  latest = new IronicRest(ironicUrl(), root.default_version.version);
});
afterEach(async () => {
  const nodes = await nodesOf(rest, PREFIX);
  const offenders = claimedWithoutVm(nodes, live);
  for (const n of nodes) {
    if (n["protected"])
      await rest.call("PATCH", `/v1/nodes/${n.uuid}`, [{ op: "replace", path: "/protected", value: false }]);
    if (n.instance_uuid || n.extra["bosh"]) await rest.forceDelete(n.uuid);
  }
  live = [];
  expect(offenders).toEqual([]);
});
afterAll(async () => {
  await removeNodes(rest, PREFIX);
  await image.close();
});

const vmOf = (r: { result?: unknown }) => (r.result as [string])[0];

describe("protection (API 1.48: both Ironics)", () => {
  it("create_vm protects the server: Ironic refuses anyone else's undeploy; delete_vm lifts it and undeploys", async () => {
    const node = await createNode(rest, `${PREFIX}-prot`);
    const r = await h.createVm({ macs: node.macs });
    expect(r.error).toBeNull();
    const vm = vmOf(r);
    live.push(vm);
    const n = await rest.node(node.uuid);
    expect(n).toMatchObject({ provision_state: "active", protected: true });
    expect(n["protected_reason"]).toBe(
      `bosh: VM ${vm}, director prod-director, deployment cf, instance router; delete it with bosh (its delete_vm lifts this)`,
    );
    // `baremetal node undeploy` by an operator, or another tool: refused
    const refused = await rest.call("PUT", `/v1/nodes/${node.uuid}/states/provision`, { target: "deleted" }, [403]);
    expect(JSON.stringify(refused)).toMatch(/is protected and cannot be undeployed/);
    expect(await rest.node(node.uuid)).toMatchObject({ provision_state: "active", instance_uuid: vm });

    const meta = { director: "prod-director", deployment: "cf", name: "router/0c1f", index: "0" };
    expect((await h.call("set_vm_metadata", [vm, meta])).error).toBeNull();
    expect((await rest.node(node.uuid))["protected_reason"]).toMatch(/, instance router\/0c1f;/);

    expect((await h.call("delete_vm", [vm])).error).toBeNull();
    live = [];
    expect(await rest.node(node.uuid)).toMatchObject({
      provision_state: "available",
      protected: false,
      protected_reason: null,
      instance_uuid: null,
    });
  });

  it("an operator who lifts the protection by hand is not fought: set_vm_metadata leaves it off", async () => {
    const node = await createNode(rest, `${PREFIX}-lifted`);
    const vm = vmOf(await h.createVm({ macs: node.macs }));
    live.push(vm);
    await rest.call("PATCH", `/v1/nodes/${node.uuid}`, [{ op: "replace", path: "/protected", value: false }]);
    expect((await h.call("set_vm_metadata", [vm, { deployment: "cf", name: "router/1" }])).error).toBeNull();
    expect(await rest.node(node.uuid)).toMatchObject({ protected: false, protected_reason: null });
    expect((await h.call("delete_vm", [vm])).error).toBeNull();
    live = [];
    expect(await rest.node(node.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
  });

  it("a delete_vm killed before or after lifting it is finished by its retry, and by reconcile", async () => {
    const [a, b] = [await createNode(rest, `${PREFIX}-kill-a`), await createNode(rest, `${PREFIX}-kill-b`)];
    const vmA = vmOf(await h.createVm({ macs: a.macs }));
    const vmB = vmOf(await h.createVm({ macs: b.macs }));
    live.push(vmA, vmB);
    // A died right after marking its teardown (still protected); B right after lifting the protection.
    const dying = (uuid: string, lifted: boolean, ageS: number) =>
      rest.call("PATCH", `/v1/nodes/${uuid}`, [
        { op: "add", path: "/extra/bosh/phase", value: "deleting" },
        { op: "add", path: "/extra/bosh/updated_at", value: new Date(Date.now() - ageS * 1000).toISOString() },
        ...(lifted ? [{ op: "replace", path: "/protected", value: false }] : []),
      ]);
    await dying(a.uuid, false, 0);
    await dying(b.uuid, true, 7200); // and nobody retried it: stale past delete_timeout + margin
    expect((await h.call("delete_vm", [vmA])).error).toBeNull(); // the director's retry
    expect(await rest.node(a.uuid)).toMatchObject({
      provision_state: "available",
      protected: false,
      instance_uuid: null,
    });

    const dir = mkdtempSync(join(tmpdir(), "reconcile-prot-"));
    writeFileSync(join(dir, "cpi.json"), JSON.stringify(vmConfig()));
    const out: string[] = [];
    const code = await reconcile(["--config", join(dir, "cpi.json")], {
      stdout: (s) => out.push(s),
      stderr: () => {},
      env: {},
    });
    expect(code).toBe(0);
    const report = JSON.parse(out.join("")) as { stale: { node: string; outcome?: string }[] };
    expect(report.stale.find((s) => s.node === b.uuid)).toMatchObject({ outcome: "released" });
    expect(await rest.node(b.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
    live = [];
  });
});

describe("node history (API 1.78: both Ironics)", () => {
  it("a failed deploy's VMCreationFailed names the server and Ironic's own last events for it", async () => {
    const node = await createNode(rest, `${PREFIX}-hist`, { deploy_interface: "direct" });
    const r = await h.createVm({ macs: node.macs });
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: true });
    const message = r.error!.message;
    expect(message).toContain(`(server ${node.name}, node ${node.uuid})`);
    // what Ironic's history itself says of the failure is in the message
    const { history } = await rest.call<{ history: { event: string; severity: string }[] }>(
      "GET",
      `/v1/nodes/${node.uuid}/history`,
    );
    expect(message).toMatch(
      new RegExp(
        `Ironic's last events for it \\(baremetal node history list ${node.uuid}\\): \\S+ ERROR( \\(\\w+\\))?: `,
      ),
    );
    const failure = history.filter((e) => e.severity === "ERROR").at(-1)!;
    expect(message).toContain(failure.event.slice(0, 60));
    expect(await rest.node(node.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
  });
});

describe("shards (API 1.82: both Ironics)", () => {
  it("a CPI confined to its shard sees, takes and enrolls only servers of that shard", async () => {
    const shard = `${PREFIX}-a`;
    const other = await createNode(rest, `${PREFIX}-shard-b`, { resource_class: `${PREFIX}-rc` });
    const mine = await createNode(rest, `${PREFIX}-shard-a`, { resource_class: `${PREFIX}-rc` });
    await rest.call("PATCH", `/v1/nodes/${other.uuid}`, [{ op: "add", path: "/shard", value: `${PREFIX}-b` }]);
    await rest.call("PATCH", `/v1/nodes/${mine.uuid}`, [{ op: "add", path: "/shard", value: shard }]);
    const confined = harness(vmConfig({ ironic: { ...vmConfig().ironic, shard } }), {
      stemcells: image.stemcells,
      env: ENV,
    });
    const first = await confined.createVm({ resource_class: `${PREFIX}-rc` });
    expect(first.error).toBeNull();
    const vm = vmOf(first);
    live.push(vm);
    expect((await rest.vmNode(vm)).uuid).toBe(mine.uuid);
    // the other shard's server is not there for it, even by MAC
    const second = await confined.createVm({ resource_class: `${PREFIX}-rc` });
    expect(second.error?.message).toMatch(/no free Ironic node matches/);
    const byMac = await confined.createVm({ macs: other.macs });
    expect(byMac.error?.message).toMatch(/no free Ironic node matches/);
    // a VM of another shard does not exist for it
    const outsider = vmOf(await h.createVm({ macs: other.macs }));
    live.push(outsider);
    expect((await confined.call("has_vm", [outsider])).result).toBe(false);
    expect((await h.call("has_vm", [outsider])).result).toBe(true);
    for (const v of [vm, outsider]) expect((await h.call("delete_vm", [v])).error).toBeNull();
    live = [];
  });
});

describe("disable_power_off (API 1.95: today's Ironic only)", () => {
  it("reboot_vm and delete_vm never ask Ironic to power such a server off, and work", async () => {
    const node = await createNode(rest, `${PREFIX}-nopoweroff`);
    const proxy = await startFaultProxy({ upstream: ironicUrl() });
    try {
      const viaProxy = harness(vmConfig({}, proxy.url), { stemcells: image.stemcells, env: ENV });
      if (max >= 95)
        await latest.call("PATCH", `/v1/nodes/${node.uuid}`, [{ op: "add", path: "/disable_power_off", value: true }]);
      const vm = vmOf(await viaProxy.createVm({ macs: node.macs }));
      live.push(vm);
      expect((await viaProxy.call("reboot_vm", [vm])).error).toBeNull();
      expect((await rest.node(node.uuid)).power_state).toBe("power on");
      expect((await viaProxy.call("delete_vm", [vm])).error).toBeNull();
      live = [];
      expect(await rest.node(node.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
      const power = proxy.requests.filter((q) => q.method === "PUT" && q.path.endsWith("/states/power"));
      expect(power.map((q) => JSON.parse(q.body ?? "{}").target)).toEqual(["rebooting"]);
      if (max >= 95) expect((await latest.node(node.uuid))["disable_power_off"]).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
