// create_vm failure paths on the real Ironic: real deploy failures rolled back with nothing leaked,
// preparation failures, timeouts, stale claims of crashed calls, idempotent retries, foreign claims,
// refused input. After every test: no node claimed without a VM.
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { run as reconcile } from "../../src/commands/reconcile.ts";
import { startIronic, type IronicServer } from "../harness/ironic.ts";
import {
  IronicRest,
  claimAsCrashed,
  claimedWithoutVm,
  createNode,
  createNodes,
  nodesOf,
  removeNodes,
  someConductorGroup,
  uniqueMac,
  uniqueTag,
} from "../support/ironic-fixtures.ts";
import { startFaultProxy } from "../support/fault-proxy.ts";
import { rank } from "../../src/selection/ranking.ts";
import { ironicUrl } from "../support/servers.ts";
import { harness, servedStemcell, vmConfig } from "./vm-support.ts";

const rest = new IronicRest(ironicUrl());
const PREFIX = `vmfail-${uniqueTag()}`;
let h: ReturnType<typeof harness>;
let image: Awaited<ReturnType<typeof servedStemcell>>;
let live: string[] = [];

beforeAll(async () => {
  image = await servedStemcell();
  h = harness(vmConfig(), { stemcells: image.stemcells });
});
afterEach(async () => {
  const nodes = await nodesOf(rest, PREFIX);
  const offenders = claimedWithoutVm(nodes, live);
  for (const n of nodes) if (n.instance_uuid || n.extra["bosh"]) await rest.forceDelete(n.uuid);
  live = [];
  expect(offenders).toEqual([]);
});
afterAll(async () => {
  await removeNodes(rest, PREFIX);
  await image.close();
});

describe("real deploy failures are rolled back", () => {
  it("direct deploy without an agent: deploy failed → VMCreationFailed(ok_to_retry) with last_error, node available again", async () => {
    const node = await createNode(rest, `${PREFIX}-direct`, { deploy_interface: "direct" });
    const r = await h.createVm({ macs: node.macs });
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: true });
    expect(r.error!.message).toContain(node.uuid);
    expect(r.error!.message).toMatch(/deploy failed.*Failed to prepare to deploy/);
    const after = await rest.node(node.uuid);
    expect(after).toMatchObject({ provision_state: "available", instance_uuid: null });
    expect(after.extra["bosh"]).toBeUndefined();
    expect(after["instance_info"]).toEqual({});
    expect(h.settings.records.size).toBe(0);
  });

  it("a node from the manageable pool goes back to manageable", async () => {
    const rc = `rc-${uniqueTag()}`;
    const node = await createNode(rest, `${PREFIX}-mdirect`, {
      resource_class: rc,
      state: "manageable",
      deploy_interface: "direct",
    });
    const r = await h.createVm({ resource_class: rc, from_manageable: true });
    expect(r.error).toMatchObject({ ok_to_retry: true });
    expect(await rest.node(node.uuid)).toMatchObject({ provision_state: "manageable", instance_uuid: null });
  });

  it("an enrolled node is deleted with its ports", async () => {
    const macs = [uniqueMac()];
    const name = `${PREFIX}-edirect`;
    const r = await h.createVm({
      macs,
      conductor_group: someConductorGroup(), // as an AZ would
      ironic_params: {
        driver: "fake-hardware",
        name,
        deploy_interface: "direct",
        properties: { bosh_ephemeral_device: "/dev/sdb" },
      },
    });
    expect(r.error).toMatchObject({ ok_to_retry: true });
    expect(await rest.findNode(name)).toBeUndefined();
    expect((await rest.call<{ ports: unknown[] }>("GET", `/v1/ports?address=${macs[0]}`)).ports).toEqual([]);
  });

  it("a RAID configuration the server cannot apply (clean failed) is rolled back to available", async () => {
    const node = await createNode(rest, `${PREFIX}-raid`);
    const r = await h.createVm({
      macs: node.macs,
      raid: { logical_disks: [{ size_gb: 10, raid_level: "1", is_root_volume: true }] },
    });
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed" });
    expect(r.error!.message).toMatch(/clean failed.*does not support this clean step/);
    expect(await rest.node(node.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
  });

  it("BIOS settings are applied by manual cleaning before first use", async () => {
    const node = await createNode(rest, `${PREFIX}-bios`);
    const r = await h.createVm({
      macs: node.macs,
      bios_settings: [{ name: "hyperthreading", value: "Disabled" }],
    });
    expect(r.error).toBeNull();
    expect((await rest.node(node.uuid)).extra["bosh_prepared"]).toMatch(/^[0-9a-f]{32}$/);
    expect((await h.call("delete_vm", [(r.result as [string])[0]])).error).toBeNull();
  });

  it("Ironic refusing an enrollment (unknown driver) is a clear error and leaves nothing", async () => {
    const macs = [uniqueMac()];
    const r = await h.createVm({
      macs,
      ironic_params: {
        driver: "no-such-driver",
        name: `${PREFIX}-baddrv`,
        properties: { bosh_ephemeral_device: "/dev/sdb" },
      },
    });
    expect(r.error!.message).toMatch(/cannot enroll .*no-such-driver/);
    expect(await rest.findNode(`${PREFIX}-baddrv`)).toBeUndefined();
  });
});

describe("a server that fails its deploys is left behind", () => {
  /** create_vm as the director runs it: VMCreationFailed with ok_to_retry is retried with the same agent_id. */
  async function createAsDirector(hh: ReturnType<typeof harness>, agentId: string, props: Record<string, unknown>) {
    const failures: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const r = await hh.createVm(props, { agentId });
      if (!r.error) return { vmCid: (r.result as [string])[0], failures };
      failures.push(r.error.message);
      if (!r.error.ok_to_retry) break;
    }
    return { vmCid: undefined, failures };
  }

  it("a director retry never lands on the server that just failed it; later instances avoid it too", async () => {
    const rc = `rc-${uniqueTag()}`;
    const broken = await createNode(rest, `${PREFIX}-broken`, { resource_class: rc, deploy_interface: "direct" });
    const healthy = await createNode(rest, `${PREFIX}-healthy`, { resource_class: rc });
    // an agent_id whose ranking puts the broken server first, as it did in the report
    const candidates = [broken.uuid, healthy.uuid].map((uuid) => ({
      node: { uuid, provision_state: "available", properties: {} },
      how: "free" as const,
    }));
    let first = randomUUID();
    while (rank(candidates, { seed: first, states: ["available"] })[0]!.node.uuid !== broken.uuid) first = randomUUID();

    const agents = [first, randomUUID(), randomUUID(), randomUUID()];
    const failures: number[] = [];
    for (const agentId of agents) {
      const got = await createAsDirector(h, agentId, { resource_class: rc });
      expect(got.vmCid, got.failures.join("\n")).toBeDefined();
      failures.push(got.failures.length);
      expect((await rest.vmNode(got.vmCid!)).uuid).toBe(healthy.uuid);
      expect((await h.call("delete_vm", [got.vmCid])).error).toBeNull();
    }
    expect(failures).toEqual([1, 0, 0, 0]); // the retry went elsewhere, and so did every later instance
    const doc = await rest.node(broken.uuid);
    expect(doc).toMatchObject({ provision_state: "available", instance_uuid: null, maintenance: false });
    expect(doc.extra["bosh_deploy_failures"]).toMatchObject({
      count: 1,
      agent_ids: [first],
      last_error: expect.stringMatching(/^deploy failed: .*Failed to prepare to deploy/),
      last_at: expect.any(String),
    });
  });

  it("after maintenance_after_failures consecutive failures: maintenance with a reason, listed by reconcile; a good deploy clears the record", async () => {
    const node = await createNode(rest, `${PREFIX}-maint`, { deploy_interface: "direct" });
    const config = vmConfig({ placement: { maintenance_after_failures: 2, avoid_failed_for: 0 } });
    const hh = harness(config, { stemcells: image.stemcells });
    for (let i = 0; i < 2; i++)
      expect((await hh.createVm({ macs: node.macs })).error).toMatchObject({ ok_to_retry: true });
    const doc = await rest.node(node.uuid);
    expect(doc).toMatchObject({ maintenance: true, instance_uuid: null, provision_state: "available" });
    expect(doc["maintenance_reason"]).toMatch(
      /^bosh: 2 consecutive failed deploys, last .*When fixed: baremetal node maintenance unset; baremetal node unset --extra bosh_deploy_failures$/,
    );
    // a server in maintenance is never selected
    expect((await hh.createVm({ macs: node.macs })).error!.message).toMatch(/1 in maintenance/);

    const dir = mkdtempSync(join(tmpdir(), "reconcile-"));
    writeFileSync(join(dir, "cpi.json"), JSON.stringify(config));
    const out: string[] = [];
    await reconcile(["--config", join(dir, "cpi.json"), "--dry-run"], {
      stdout: (x) => out.push(x),
      stderr: () => {},
      env: {},
    });
    const report = JSON.parse(out.join("")) as {
      failed_servers: { node: string; failed_deploys: number; maintenance: boolean; maintenance_reason: string }[];
    };
    expect(report.failed_servers.find((f) => f.node === node.uuid)).toMatchObject({
      failed_deploys: 2,
      maintenance: true,
      maintenance_reason: expect.stringMatching(/^bosh: 2 consecutive/),
    });

    // the operator fixes the server and brings it back; the next good deploy clears the record
    await rest.call("DELETE", `/v1/nodes/${node.uuid}/maintenance`);
    await rest.call("PATCH", `/v1/nodes/${node.uuid}`, [{ op: "add", path: "/deploy_interface", value: "fake" }]);
    const ok = await hh.createVm({ macs: node.macs });
    expect(ok.error).toBeNull();
    expect((await rest.node(node.uuid)).extra["bosh_deploy_failures"]).toBeUndefined();
    expect((await hh.call("delete_vm", [(ok.result as [string])[0]])).error).toBeNull();
  });

  it("a failure of our own preparation (a RAID layout the server cannot apply) is not held against the server", async () => {
    const node = await createNode(rest, `${PREFIX}-raid-nofail`);
    const r = await h.createVm({
      macs: node.macs,
      raid: { logical_disks: [{ size_gb: 10, raid_level: "1", is_root_volume: true }] },
    });
    expect(r.error!.message).toMatch(/clean failed/);
    expect((await rest.node(node.uuid)).extra["bosh_deploy_failures"]).toBeUndefined();
  });
});

describe("a created VM no director ever heard of", () => {
  it("a create_vm that died after `created` and before answering: released once unacknowledged past the margin; acknowledged VMs are kept", async () => {
    const rc = `rc-${uniqueTag()}`;
    const [lost, known] = await createNodes(rest, `${PREFIX}-unack`, 2, { resource_class: rc });
    const config = vmConfig({ ironic: { ...vmConfig().ironic, stale_claim_margin: 1 } });
    const hh = harness(config);
    // both calls finish; only the second answer reaches a director, which then sends set_vm_metadata
    const a = (await hh.createVm({ macs: lost!.macs })).result as [string];
    const b = (await hh.createVm({ macs: known!.macs })).result as [string];
    expect((await hh.call("set_vm_metadata", [b[0], { deployment: "cf", name: "web/0" }])).error).toBeNull();
    live.push(b[0]);
    await new Promise((r) => setTimeout(r, 1500));

    const dir = mkdtempSync(join(tmpdir(), "reconcile-"));
    writeFileSync(join(dir, "cpi.json"), JSON.stringify(config));
    const run = async (...extra: string[]) => {
      const out: string[] = [];
      await reconcile(["--config", join(dir, "cpi.json"), ...extra], {
        stdout: (x) => out.push(x),
        stderr: () => {},
        env: {},
      });
      return JSON.parse(out.join("")) as { stale: { node: string; phase: string; vm_cid: string; outcome?: string }[] };
    };
    expect((await run("--dry-run")).stale.filter((x) => [lost!.uuid, known!.uuid].includes(x.node))).toEqual([
      expect.objectContaining({ node: lost!.uuid, phase: "created", vm_cid: a[0] }),
    ]);
    const report = await run();
    expect(report.stale.find((x) => x.node === lost!.uuid)).toMatchObject({ outcome: "released" });
    expect(await rest.node(lost!.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
    expect(await rest.node(known!.uuid)).toMatchObject({ provision_state: "active", instance_uuid: b[0] });
    live.pop();
    expect((await hh.call("delete_vm", [b[0]])).error).toBeNull();
  });

  it("with no free server, a selection pass tears such a VM down and takes its server", async () => {
    const rc = `rc-${uniqueTag()}`;
    const node = await createNode(rest, `${PREFIX}-unack-sel`, { resource_class: rc });
    const hh = harness(vmConfig({ ironic: { ...vmConfig().ironic, stale_claim_margin: 1 } }));
    const orphan = (await hh.createVm({ resource_class: rc })).result as [string];
    await new Promise((r) => setTimeout(r, 1500));
    const next = await hh.createVm({ resource_class: rc });
    expect(next.error).toBeNull();
    const [vmCid] = next.result as [string];
    expect(vmCid).not.toBe(orphan[0]);
    expect((await rest.vmNode(vmCid)).uuid).toBe(node.uuid);
    expect((await hh.call("has_vm", [orphan[0]])).result).toBe(false);
    expect((await hh.call("delete_vm", [vmCid])).error).toBeNull();
  });
});

describe("deploy_timeout", () => {
  let slow: IronicServer;
  beforeAll(async () => {
    slow = await startIronic({ fakeDeployDelay: 3, syncInterval: 2 });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it("a deploy slower than the vm_type's deploy_timeout fails retryably and the node is undeployed and released", async () => {
    const slowRest = new IronicRest(slow.url);
    const node = await createNode(slowRest, `${PREFIX}-slow`);
    const hs = harness(vmConfig({}, slow.url), { stemcells: image.stemcells });
    const r = await hs.createVm({ macs: node.macs, deploy_timeout: 1 });
    expect(r.error?.message).toMatch(/Timed out/);
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: true });
    expect(r.error!.message).toMatch(/Timed out/);
    expect(await slowRest.node(node.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
    expect(claimedWithoutVm(await slowRest.nodes())).toEqual([]);
  });
});

describe("stale claims of crashed create_vm calls", () => {
  it("the next selection pass releases a stale claim and takes the node", async () => {
    const rc = `rc-${uniqueTag()}`;
    const node = await createNode(rest, `${PREFIX}-stale`, { resource_class: rc });
    await claimAsCrashed(rest, node.uuid, { claim: randomUUID(), ageS: 3600, deployTimeoutS: 60 });
    const agentId = randomUUID();
    const r = await h.createVm({ resource_class: rc }, { agentId });
    expect(r.error).toBeNull();
    expect(await rest.node(node.uuid)).toMatchObject({ instance_uuid: agentId, provision_state: "active" });
    expect((await h.call("delete_vm", [agentId])).error).toBeNull();
  });

  it("a claim still within deploy_timeout + margin is left alone", async () => {
    const rc = `rc-${uniqueTag()}`;
    const node = await createNode(rest, `${PREFIX}-fresh`, { resource_class: rc });
    const other = randomUUID();
    await claimAsCrashed(rest, node.uuid, { claim: other, ageS: 5 });
    const r = await h.createVm({ resource_class: rc });
    expect(r.error).toMatchObject({ ok_to_retry: false });
    expect(r.error!.message).toMatch(/1 claimed by another BOSH VM/);
    expect((await rest.node(node.uuid)).instance_uuid).toBe(other);
    await rest.call("PATCH", `/v1/nodes/${node.uuid}`, [
      { op: "remove", path: "/instance_uuid" },
      { op: "remove", path: "/extra/bosh" },
    ]);
  });

  it("`reconcile` rolls back stale claims in any state, reports them as JSON, and skips fresh ones", async () => {
    const crashedActive = await createNode(rest, `${PREFIX}-rc-active`);
    const crashedAvailable = await createNode(rest, `${PREFIX}-rc-avail`, { state: "manageable" });
    const fresh = await createNode(rest, `${PREFIX}-rc-fresh`);
    await claimAsCrashed(rest, crashedActive.uuid, { claim: randomUUID(), ageS: 7200, deployTimeoutS: 60 });
    await rest.provision(crashedActive.uuid, "active", ["active"]); // the deploy went on without the CPI
    await claimAsCrashed(rest, crashedAvailable.uuid, {
      claim: randomUUID(),
      ageS: 7200,
      source: "manageable",
      deployTimeoutS: 60,
    });
    await claimAsCrashed(rest, fresh.uuid, { claim: randomUUID(), ageS: 1 });

    const dir = mkdtempSync(join(tmpdir(), "reconcile-"));
    writeFileSync(join(dir, "cpi.json"), JSON.stringify(vmConfig()));
    const out: string[] = [];
    const code = await reconcile(["--config", join(dir, "cpi.json")], {
      stdout: (s) => out.push(s),
      stderr: () => {},
      env: {},
    });
    const report = JSON.parse(out.join("")) as {
      ok: boolean;
      stale: { node: string; outcome?: string; phase: string }[];
      in_progress: number;
    };
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    const mine = report.stale.filter((s) => [crashedActive.uuid, crashedAvailable.uuid].includes(s.node));
    expect(mine).toHaveLength(2);
    expect(mine.every((s) => s.outcome === "released" && s.phase === "creating")).toBe(true);
    expect(report.stale.some((s) => s.node === fresh.uuid)).toBe(false);
    expect(report.in_progress).toBeGreaterThanOrEqual(1);
    expect(await rest.node(crashedActive.uuid)).toMatchObject({ provision_state: "available", instance_uuid: null });
    expect(await rest.node(crashedAvailable.uuid)).toMatchObject({
      provision_state: "manageable",
      instance_uuid: null,
    });
    await rest.call("PATCH", `/v1/nodes/${fresh.uuid}`, [
      { op: "remove", path: "/instance_uuid" },
      { op: "remove", path: "/extra/bosh" },
    ]);
  });
});

describe("retries are idempotent", () => {
  it("the same agent_id twice answers the same node and deploys once", async () => {
    const rc = `rc-${uniqueTag()}`;
    await createNode(rest, `${PREFIX}-idem-a`, { resource_class: rc });
    await createNode(rest, `${PREFIX}-idem-b`, { resource_class: rc });
    const agentId = randomUUID();
    const first = await h.createVm({ resource_class: rc }, { agentId });
    expect(first.error).toBeNull();
    const [vmCid] = first.result as [string];
    const before = await rest.vmNode(vmCid);
    const second = await h.createVm({ resource_class: rc }, { agentId });
    expect(second.error).toBeNull();
    expect((second.result as [string])[0]).toBe(vmCid);
    const after = await rest.vmNode(vmCid);
    expect(after["provision_updated_at"]).toBe(before["provision_updated_at"]); // no second deploy
    expect((await h.call("delete_vm", [vmCid])).error).toBeNull();
  });

  it("a retry after a crash right after the claim continues on the claimed node", async () => {
    const rc = `rc-${uniqueTag()}`;
    const a = await createNode(rest, `${PREFIX}-cont-a`, { resource_class: rc });
    await createNode(rest, `${PREFIX}-cont-b`, { resource_class: rc });
    const agentId = randomUUID();
    await claimAsCrashed(rest, a.uuid, { claim: agentId, ageS: 2 });
    const r = await h.createVm({ resource_class: rc }, { agentId });
    expect(r.error).toBeNull();
    expect((r.result as [string])[0]).toBe(agentId);
    expect((await rest.vmNode(agentId)).uuid).toBe(a.uuid);
    expect((await h.call("delete_vm", [agentId])).error).toBeNull();
  });

  it("a non-UUID agent_id claims with a stable UUIDv5 of it", async () => {
    const node = await createNode(rest, `${PREFIX}-v5`);
    const r1 = await h.createVm({ macs: node.macs }, { agentId: "agent-not-a-uuid" });
    expect(r1.error).toBeNull();
    const claim = (await rest.node(node.uuid)).instance_uuid;
    expect(claim).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await h.createVm({ macs: node.macs }, { agentId: "agent-not-a-uuid" })).result).toEqual(r1.result);
    expect((r1.result as [string])[0]).toBe(claim);
    expect((await h.call("delete_vm", [claim])).error).toBeNull();
  });
});

describe("nodes that are not ours", () => {
  it("never touches a node claimed outside BOSH", async () => {
    const node = await createNode(rest, `${PREFIX}-foreign`);
    const foreign = randomUUID();
    await rest.call("PATCH", `/v1/nodes/${node.uuid}`, [{ op: "add", path: "/instance_uuid", value: foreign }]);
    const r = await h.createVm({ macs: node.macs });
    expect(r.error!.message).toMatch(/1 claimed by another instance/);
    for (const cid of [node.uuid, foreign]) {
      expect((await h.call("delete_vm", [cid])).error).toBeNull(); // not a BOSH VM: nothing to do
      expect((await h.call("has_vm", [cid])).result).toBe(false);
    }
    expect((await rest.node(node.uuid)).instance_uuid).toBe(foreign);
    await rest.call("PATCH", `/v1/nodes/${node.uuid}`, [{ op: "remove", path: "/instance_uuid" }]);
  });

  it("skips nodes holding another VM's persistent disks, takes the node reserved for this VM's disks", async () => {
    const rc = `rc-${uniqueTag()}`;
    const holding = await createNode(rest, `${PREFIX}-disks`, {
      resource_class: rc,
      extra: {
        bosh_disks: {
          "disk-other": {
            device: "/dev/sdb",
            size_mib: 1,
            attached: false,
            state: "live",
            metadata: {},
            created_at: "x",
          },
        },
      },
    });
    const reserved = await createNode(rest, `${PREFIX}-resv`, {
      resource_class: rc,
      extra: {
        bosh_disks: {
          "disk-mine": {
            device: "/dev/sdb",
            size_mib: 1,
            attached: false,
            state: "live",
            metadata: {},
            created_at: "x",
          },
        },
      },
    });
    const reservation = randomUUID();
    await rest.call("PATCH", `/v1/nodes/${reserved.uuid}`, [
      { op: "add", path: "/instance_uuid", value: reservation },
      {
        op: "add",
        path: "/extra/bosh",
        value: {
          phase: "reserved",
          reservation: "disk",
          disk_cids: ["disk-mine"],
          claimed_at: new Date().toISOString(),
        },
      },
    ]);
    const none = await h.createVm({ resource_class: rc });
    expect(none.error!.message).toMatch(/2 holds persistent disks of another VM/);
    const r = await h.createVm({ resource_class: rc }, { diskCids: ["disk-mine"] });
    expect(r.error).toBeNull();
    const [vmCid] = r.result as [string];
    expect((await rest.vmNode(vmCid)).uuid).toBe(reserved.uuid);
    expect((await rest.node(holding.uuid)).instance_uuid).toBeNull();
    expect((await h.call("delete_vm", [vmCid])).error).toBeNull();
  });
});

describe("refused input", () => {
  it("an unknown cloud_properties key names its path and the known keys", async () => {
    const r = await h.createVm({ resource_class: "x", ironic_propertes: { cpus: 2 } });
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::CpiError", ok_to_retry: false });
    expect(r.error!.message).toMatch(/unknown key\(s\) ironic_propertes .*known keys: .*ironic_properties/);
  });

  it("a vm_type that names no server is refused", async () => {
    const r = await h.createVm({ boot_mode: "uefi" });
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::CpiError" });
    expect(r.error!.message).toMatch(
      /name no server: set one of macs, ironic_properties, resource_class, traits, ironic_params/,
    );
  });
});

describe("a retried delete_vm after a killed one", () => {
  it("follows the killed call's undeploy when it lands first (Ironic refuses ours with a 400) and releases the node", async () => {
    const node = await createNode(rest, `${PREFIX}-undeploy-race`);
    const agentId = randomUUID();
    // The killed call's PUT states/provision {target: deleted} reaches Ironic just before ours.
    let armed = false;
    const landed: string[] = [];
    const proxy = await startFaultProxy({
      upstream: ironicUrl(),
      before: async ({ method, path }) => {
        if (!armed || method !== "PUT" || path !== `/v1/nodes/${node.uuid}/states/provision`) return;
        armed = false;
        await rest.call("PUT", path, { target: "deleted" });
        for (let n = await rest.node(node.uuid); n.provision_state === "active"; n = await rest.node(node.uuid))
          await new Promise((r) => setTimeout(r, 50));
        landed.push(String((await rest.node(node.uuid)).provision_state));
      },
    });
    try {
      const hh = harness(vmConfig({}, proxy.url), { stemcells: image.stemcells });
      const vmCid = (await hh.createVm({ macs: node.macs }, { agentId })).result as [string, unknown];
      expect(vmCid[0]).toBe(agentId);
      armed = true;
      const r = await hh.call("delete_vm", [agentId]);
      expect(landed).toHaveLength(1);
      expect(
        proxy.requests.some((q) => q.method === "PUT" && q.path.endsWith("/states/provision") && q.status === 400),
      ).toBe(true);
      expect(r.error).toBeNull();
      const after = await rest.node(node.uuid);
      expect(after).toMatchObject({ provision_state: "available", instance_uuid: null });
      expect(after.extra["bosh"]).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});
