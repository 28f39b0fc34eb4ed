// services/reconcile/service.ts: one pass over the fleet for what crashed CPI calls left behind. Stale
// claims (creating past deploy_timeout + margin, deleting past delete_timeout + margin, created and never
// acknowledged past the margin) are torn down like a rollback, after a re-read; fresh ones are left and
// counted; disk records of a create_disk that never answered are deleted like delete_disk; servers with
// failed-deploy records are listed; the fleet is tallied per failure domain. A dry run changes nothing.
import { describe, expect, it } from "vitest";
import { diskCid } from "../../../../src/devices/cid.ts";
import { IronicUnavailable } from "../../../../src/ironic/errors.ts";
import { Disks } from "../../../../src/services/disk/service.ts";
import { Reconciler } from "../../../../src/services/reconcile/service.ts";
import { type FakeIronic, type FakeNode, diskDeps, fakeIronic, vmCidOf, vmDeps, vmNode } from "../fake-ironic.ts";

/** The fake's clock starts at 2026-11-21T12:00:00Z and ticks a second per reading. */
const ago = (s: number) => new Date(Date.parse("2026-11-21T12:00:00Z") - s * 1000).toISOString();
const HOURS = 3600;
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;

const reconciler = (fake: FakeIronic, config: Record<string, unknown> = {}) => {
  const deps = vmDeps(fake, { config });
  return new Reconciler(async () => deps, Disks.over(diskDeps(fake, { configOverrides: config })));
};

/** A BOSH-held node (active, source available) with extra.bosh = vmNode's record overlaid with `rec`. */
function claim(fake: FakeIronic, i: number, rec: Record<string, unknown>, over: Partial<FakeNode> = {}) {
  const base = vmNode(uuid(i));
  const bosh = (base.extra as { bosh: Record<string, unknown> }).bosh;
  fake.add({ ...base, name: `s${i}`, extra: { bosh: { ...bosh, source: "available", ...rec } }, ...over });
  return uuid(i);
}

const DEVICE = "/dev/disk/by-path/p-2";
/**
 * The fleet every test starts from: four stale claims of four kinds, two live ones, a VM with an orphan disk
 * record (created 3 h ago for it, never attached) beside an attached one, and a server with failed deploys.
 */
function fleet() {
  const fake = fakeIronic();
  const s = {
    creating: claim(fake, 1, { phase: "creating", claimed_at: ago(5 * HOURS), updated_at: ago(5 * HOURS) }),
    unacknowledged: claim(fake, 2, { phase: "created", created_at: ago(2 * HOURS), updated_at: ago(2 * HOURS) }),
    deleting: claim(fake, 3, { phase: "deleting", updated_at: ago(5 * HOURS) }),
    enrolled: claim(
      fake,
      4,
      { phase: "creating", source: "enrolled", claimed_at: ago(5 * HOURS), updated_at: ago(5 * HOURS) },
      { provision_state: "manageable" },
    ),
    young: claim(fake, 5, { phase: "creating", claimed_at: ago(60), updated_at: ago(60) }),
    acknowledged: claim(fake, 6, {
      phase: "created",
      created_at: ago(2 * HOURS),
      acknowledged_at: ago(2 * HOURS - 5),
      updated_at: ago(2 * HOURS),
    }),
  };
  const vm = uuid(7);
  const orphan = diskCid(vm, DEVICE, new Date(ago(3 * HOURS)));
  const attached = diskCid(vm, "/dev/disk/by-path/p-3", new Date(ago(4 * HOURS)));
  const disk = (device: string, at: string, more: object) => ({
    device,
    path: device,
    size_mib: 1024,
    attached: false,
    state: "live",
    metadata: {},
    created_at: at,
    vm_cid: vmCidOf(vm),
    ...more,
  });
  const vmBase = vmNode(vm, {
    bosh_disks: {
      [orphan]: disk(DEVICE, ago(3 * HOURS), {}),
      [attached]: disk("/dev/disk/by-path/p-3", ago(4 * HOURS), { attached: true, attached_at: ago(4 * HOURS) }),
    },
    bosh_clean_hold: { automated_clean: true },
  });
  (vmBase.extra as { bosh: Record<string, unknown> }).bosh["acknowledged_at"] = ago(HOURS);
  fake.add({ ...vmBase, name: "s7", automated_clean: false });
  const failed = fake.add({
    uuid: uuid(8),
    name: "s8",
    maintenance: true,
    maintenance_reason: "bosh: 3 consecutive failed deploys",
    extra: { bosh_deploy_failures: { count: 3, last_at: ago(600), last_error: "deploy failed (fake)", agent_ids: [] } },
  }).uuid;
  return { fake, s, vm, orphan, attached, failed };
}
const changes = (fake: FakeIronic) =>
  fake.calls.filter((c) => /^(PATCH|PROVISION|DELETE|MAINTENANCE|POWER|CREATE|PORT)/.test(c));

describe("reconcile", () => {
  it("dry run: lists the stale claims, the live ones' count, the orphan disk and the failed server; changes nothing", async () => {
    const { fake, s, vm, orphan, failed } = fleet();
    const before = structuredClone([...fake.nodes.values()]);
    const report = await reconciler(fake).run(true);
    expect(changes(fake)).toEqual([]);
    expect([...fake.nodes.values()]).toEqual(before);
    expect(report).toMatchObject({ ok: true, dry_run: true, nodes_checked: 8, in_progress: 1 });
    expect(report.stale.map((f) => [f.node, f.phase, f.outcome])).toEqual([
      [s.creating, "creating", undefined],
      [s.unacknowledged, "created", undefined],
      [s.deleting, "deleting", undefined],
      [s.enrolled, "creating", undefined],
    ]);
    expect(report.stale[0]).toMatchObject({
      name: "s1",
      provision_state: "active",
      agent_id: "agent-1",
      vm_cid: vmCidOf(s.creating),
    });
    // ages are whole seconds since the record last moved
    expect(report.stale[0]!.age_s).toBeGreaterThanOrEqual(5 * HOURS);
    expect(report.stale[0]!.age_s).toBeLessThan(5 * HOURS + 60);
    expect(report.orphan_disks).toEqual([{ node: vm, disk: orphan, age_s: expect.any(Number) }]);
    expect(report.orphan_disks[0]!.age_s).toBeGreaterThanOrEqual(3 * HOURS);
    expect(report.failed_servers).toEqual([
      {
        node: failed,
        name: "s8",
        failed_deploys: 3,
        last_at: ago(600),
        last_error: "deploy failed (fake)",
        maintenance: true,
        maintenance_reason: "bosh: 3 consecutive failed deploys",
      },
    ]);
  });

  it("tears the stale claims down like a rollback, deletes the orphan disk, leaves the live claims", async () => {
    const { fake, s, vm, orphan, attached } = fleet();
    const report = await reconciler(fake).run(false);
    expect(report).toMatchObject({ ok: true, dry_run: false, in_progress: 1 });
    expect(report.stale.map((f) => [f.node, f.outcome, f.error])).toEqual([
      [s.creating, "released", undefined],
      [s.unacknowledged, "released", undefined],
      [s.deleting, "released", undefined],
      [s.enrolled, "deleted", undefined],
    ]);
    for (const u of [s.creating, s.unacknowledged, s.deleting])
      expect(fake.node(u)).toMatchObject({ provision_state: "available", instance_uuid: null, extra: {} });
    expect(fake.nodes.has(s.enrolled)).toBe(false);
    for (const u of [s.young, s.acknowledged]) {
      expect(fake.node(u)).toMatchObject({ provision_state: "active", instance_uuid: vmCidOf(u) });
      expect(fake.calls.filter((c) => c.includes(u) && !c.startsWith("GET"))).toEqual([]);
    }
    expect(report.orphan_disks).toEqual([{ node: vm, disk: orphan, age_s: expect.any(Number), outcome: "deleted" }]);
    const disks = fake.node(vm).extra?.["bosh_disks"] as Record<string, unknown>;
    expect(Object.keys(disks)).toEqual([attached]);
    // delete_disk's way: the device is dirty until a wipe, the VM keeps running
    expect(JSON.stringify(fake.node(vm).extra?.["bosh_dirty_devices"])).toContain(orphan);
    expect(fake.node(vm)).toMatchObject({ provision_state: "active", instance_uuid: vmCidOf(vm) });
  });

  it("a claim that moved on since the listing (finished, re-claimed) is left alone", async () => {
    const { fake, s } = fleet();
    const nodes = fake.client.nodes as unknown as { list: (q: unknown) => Promise<unknown> };
    const list = nodes.list;
    nodes.list = async (q) => {
      const out = await list(q);
      // the create_vm was only slow: it finished and was acknowledged after the listing
      Object.assign((fake.node(s.creating).extra as { bosh: Record<string, unknown> }).bosh, {
        phase: "created",
        acknowledged_at: ago(0),
      });
      return out;
    };
    const report = await reconciler(fake).run(false);
    expect(report.stale.find((f) => f.node === s.creating)).toMatchObject({
      outcome: "changed meanwhile; left alone",
    });
    expect(fake.node(s.creating)).toMatchObject({ provision_state: "active", instance_uuid: vmCidOf(s.creating) });
    expect(report.ok).toBe(true);
  });

  it("a teardown that fails is reported with its error, the pass goes on, and ok is false", async () => {
    const { fake, s } = fleet();
    fake.node(s.creating).failUndeploy = new IronicUnavailable("PUT", "fake", "ECONNRESET", "socket hang up", 8);
    const report = await reconciler(fake).run(false);
    expect(report.ok).toBe(false);
    expect(report.stale.find((f) => f.node === s.creating)).toMatchObject({
      error: expect.stringContaining("ECONNRESET"),
    });
    expect(report.stale.find((f) => f.node === s.unacknowledged)).toMatchObject({ outcome: "released" });
    expect(report.orphan_disks[0]).toMatchObject({ outcome: "deleted" });
  });

  it("tallies the fleet per failure domain, as listed before the pass changed anything", async () => {
    const fake = fakeIronic();
    const rack = (r: string) => ({ properties: { rack: r } });
    fake.add({ uuid: uuid(1), ...rack("ra") });
    fake.add({ uuid: uuid(2), ...rack("ra"), maintenance: true });
    fake.add({ uuid: uuid(3), ...rack("rb"), provision_state: "manageable" });
    fake.add({ uuid: uuid(4), ...rack("rb"), fault: "power failure" });
    fake.add({ uuid: uuid(5) });
    claim(fake, 6, { phase: "creating", claimed_at: ago(5 * HOURS), updated_at: ago(5 * HOURS) }, rack("ra"));
    const report = await reconciler(fake).run(false);
    expect(report.stale.map((f) => f.outcome)).toEqual(["released"]);
    expect(report.fleet).toEqual({
      failure_domain: "properties.rack",
      domains: {
        ra: { free: 1, held: 1, unhealthy: 1, other: 0 },
        rb: { free: 0, held: 0, unhealthy: 1, other: 1 },
        "(no domain)": { free: 1, held: 0, unhealthy: 0, other: 0 },
      },
    });
  });

  it("reads the domain where placement.failure_domain says: a trait prefix", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: uuid(1), traits: ["CUSTOM_GPU", "CUSTOM_RACK_B7"] });
    fake.add({ uuid: uuid(2), traits: ["CUSTOM_RACK_B7"], instance_uuid: "other-instance" });
    const report = await reconciler(fake, { placement: { failure_domain: "trait:CUSTOM_RACK_" } }).run(true);
    expect(report.fleet).toEqual({
      failure_domain: "trait:CUSTOM_RACK_",
      domains: { B7: { free: 1, held: 1, unhealthy: 0, other: 0 } },
    });
  });
});
