// selection/plan.ts: one pass over the listed candidates and the BOSH-held nodes. What it promises: every
// eligible node once, best first (ours, takeover, free, stale; then the emptiest failure domain, healthy
// before recently failed, the preferred provision state, the smallest size); why each other node was
// turned down, counted; with `required` spread only servers outside the group's domains, and `full` (the
// members per domain) when that rule alone left nothing.
import { describe, expect, it } from "vitest";
import { type DomainNode, parseDomainPath } from "../../../src/selection/failure-domains.ts";
import type { CandidateNode } from "../../../src/selection/filters.ts";
import { DOMAIN_TAKEN, type PlanPolicy, plan } from "../../../src/selection/plan.ts";
import { hash32 } from "../../../src/selection/ranking.ts";
import type { SelectionRequest } from "../../../src/selection/request.ts";

const NOW = new Date("2026-11-21T12:00:00Z");
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
const POLICY: PlanPolicy = { now: NOW, deployTimeoutS: 3600, deleteTimeoutS: 1800, marginS: 600, avoidFailedS: 3600 };
const CLAIM = "0b7a3a1e-58a4-4cbb-9bb4-3d1c4a6c9e01";
const RACK = parseDomainPath("properties.rack")!;

type N = CandidateNode & DomainNode;
const node = (uuid: string, over: Partial<N> = {}): N => ({
  uuid,
  provision_state: "available",
  maintenance: false,
  instance_uuid: null,
  extra: {},
  properties: { cpus: 8 },
  ...over,
});
const req = (over: Partial<SelectionRequest> = {}): SelectionRequest => ({
  claimUuid: CLAIM,
  seed: CLAIM,
  states: ["available"],
  diskCids: [],
  ...over,
});
const order = (p: { ranked: { node: { uuid: string } }[] }) => p.ranked.map((r) => r.node.uuid);
/** A VM of `group` on a node in `rack`, claimed `claimedAgo` seconds ago. */
const member = (uuid: string, rack: string, group: string, claimedAgo = 60): DomainNode => ({
  uuid,
  name: `srv-${uuid}`,
  instance_uuid: `vm-${uuid}`,
  properties: { rack },
  extra: { bosh: { phase: "created", group, claimed_at: ago(claimedAgo) } },
});

describe("ranking", () => {
  it("our own claim, then a server reserved for our disks, then free, then a stale claim, whatever their sizes", () => {
    const nodes = [
      node("stale", {
        instance_uuid: "dead",
        properties: { cpus: 1 },
        extra: { bosh: { phase: "creating", claimed_at: ago(5000), updated_at: ago(5000) } },
      }),
      node("free", { properties: { cpus: 2 } }),
      node("takeover", {
        instance_uuid: "disk-claim",
        properties: { cpus: 64 },
        extra: { bosh: { phase: "reserved", disk_cids: ["d1"] }, bosh_disks: { d1: { state: "live" } } },
      }),
      node("ours", { instance_uuid: CLAIM, properties: { cpus: 128 }, extra: { bosh: { phase: "creating" } } }),
    ];
    const p = plan(nodes, [], req({ diskCids: ["d1"] }), POLICY);
    expect(p.ranked.map((r) => [r.node.uuid, r.how])).toEqual([
      ["ours", "ours"],
      ["takeover", "takeover"],
      ["free", "free"],
      ["stale", "stale"],
    ]);
    expect(p.rejected.size).toBe(0);
    expect(p.full).toBeUndefined();
  });

  it("with spread, the failure domain holding the fewest VMs of the group first; other groups do not count", () => {
    const held = [
      member("h1", "ra", "web"),
      member("h2", "ra", "web"),
      member("h3", "rb", "web"),
      member("h4", "rc", "db"),
      member("h5", "rc", "db"),
      member("h6", "rc", "db"),
    ];
    // the smallest servers sit in the fullest rack: the domain count outranks size
    const nodes = [
      node("a", { properties: { rack: "ra", cpus: 1 } }),
      node("b", { properties: { rack: "rb", cpus: 2 } }),
      node("c", { properties: { rack: "rc", cpus: 64 } }),
    ];
    const spread = { group: "web", path: RACK, required: false };
    expect(order(plan(nodes, held, req({ spread }), POLICY))).toEqual(["c", "b", "a"]);
    // without spread the held nodes are not read at all: size decides
    expect(order(plan(nodes, held, req(), POLICY))).toEqual(["a", "b", "c"]);
  });

  it("a server with no domain is a domain of its own, empty until it holds a VM of the group", () => {
    const held = [member("h1", "ra", "web")];
    const nodes = [node("in-ra", { properties: { rack: "ra", cpus: 1 } }), node("loose", { properties: { cpus: 2 } })];
    const spread = { group: "web", path: RACK, required: false };
    expect(order(plan(nodes, held, req({ spread }), POLICY))).toEqual(["loose", "in-ra"]);
  });

  it("only VMs count: a disk reservation, a VM being deleted and an unclaimed record are not members", () => {
    const notMembers: DomainNode[] = [
      { ...member("r1", "ra", "web"), extra: { bosh: { phase: "reserved", group: "web" } } },
      { ...member("r2", "ra", "web"), extra: { bosh: { phase: "deleting", group: "web" } } },
      { ...member("r3", "ra", "web"), instance_uuid: null },
    ];
    const nodes = [
      node("a", { properties: { rack: "ra", cpus: 1 } }),
      node("b", { properties: { rack: "rb", cpus: 2 } }),
    ];
    const spread = { group: "web", path: RACK, required: true };
    const p = plan(nodes, notMembers, req({ spread }), POLICY);
    expect(order(p)).toEqual(["a", "b"]);
    expect(p.rejected.size).toBe(0);
  });

  it("healthy servers before ones that failed a deploy lately; the one that failed this very agent_id last", () => {
    const failed = (agentIds: string[], secondsAgo: number) => ({
      bosh_deploy_failures: { count: 1, last_at: ago(secondsAgo), agent_ids: agentIds },
    });
    const nodes = [
      node("failed-me", { properties: { cpus: 1 }, extra: failed([CLAIM], 99_999) }),
      node("failed-lately", { properties: { cpus: 2 }, extra: failed(["other"], 60) }),
      node("healthy", { properties: { cpus: 64 } }),
      node("failed-long-ago", { properties: { cpus: 4 }, extra: failed(["other"], 7200) }),
    ];
    expect(order(plan(nodes, [], req(), POLICY))).toEqual(["failed-long-ago", "healthy", "failed-lately", "failed-me"]);
  });

  it("the preferred provision state first, then the smallest server (cpus, memory_mb, local_gb)", () => {
    const nodes = [
      node("manageable-small", { provision_state: "manageable", properties: { cpus: 1 } }),
      node("big", { properties: { cpus: 32, memory_mb: 1024 } }),
      node("less-memory", { properties: { cpus: 8, memory_mb: 512 } }),
      node("more-memory", { properties: { cpus: 8, memory_mb: 1024 } }),
      node("unknown-size", { properties: {} }),
    ];
    expect(order(plan(nodes, [], req({ states: ["available", "manageable"] }), POLICY))).toEqual([
      "less-memory",
      "more-memory",
      "big",
      "unknown-size",
      "manageable-small",
    ]);
  });

  it("equal servers in an order of the seed: the same for a retry, another for another agent", () => {
    const nodes = Array.from({ length: 12 }, (_, i) => node(`n${String(i).padStart(2, "0")}`));
    const byHash = (seed: string) =>
      [...nodes].sort((a, b) => hash32(`${seed}/${a.uuid}`) - hash32(`${seed}/${b.uuid}`)).map((n) => n.uuid);
    const first = order(plan(nodes, [], req({ seed: "agent-1" }), POLICY));
    expect(first).toEqual(byHash("agent-1"));
    expect(order(plan([...nodes].reverse(), [], req({ seed: "agent-1" }), POLICY))).toEqual(first);
    expect(order(plan(nodes, [], req({ seed: "agent-2" }), POLICY))).toEqual(byHash("agent-2"));
    expect(byHash("agent-2")).not.toEqual(first);
  });
});

describe("rejections", () => {
  it("names the first failing filter of each node, counted, and counts each node once", () => {
    const nodes = [
      node("maint", { maintenance: true }),
      node("fault", { fault: "power failure" }),
      node("retired", { retired: true }),
      node("deploying", { provision_state: "deploying" }),
      node("rc", { resource_class: "other" }),
      node("trait", { resource_class: "gold", traits: [] }),
      node("small", { resource_class: "gold", traits: ["CUSTOM_X"], properties: { cpus: 2 } }),
      node("disks", {
        resource_class: "gold",
        traits: ["CUSTOM_X"],
        extra: { bosh_disks: { "other-disk": { state: "live" } } },
      }),
      node("vm", {
        resource_class: "gold",
        traits: ["CUSTOM_X"],
        instance_uuid: "x",
        extra: { bosh: { phase: "created" } },
      }),
      node("foreign", { resource_class: "gold", traits: ["CUSTOM_X"], instance_uuid: "nova-instance" }),
      node("young-claim", {
        resource_class: "gold",
        traits: ["CUSTOM_X"],
        instance_uuid: "y",
        extra: { bosh: { phase: "creating", claimed_at: ago(60), updated_at: ago(60) } },
      }),
      node("reserved", {
        resource_class: "gold",
        traits: ["CUSTOM_X"],
        instance_uuid: "r",
        extra: { bosh: { phase: "reserved", disk_cids: ["theirs"] } },
      }),
      node("deleting", {
        resource_class: "gold",
        traits: ["CUSTOM_X"],
        extra: { bosh: { phase: "deleting", updated_at: ago(60) } },
      }),
      node("ok", { resource_class: "gold", traits: ["CUSTOM_X"] }),
    ];
    const p = plan(
      [...nodes, node("ok", { resource_class: "gold", traits: ["CUSTOM_X"] })],
      [],
      req({ resourceClass: "gold", traits: ["CUSTOM_X"], properties: { cpus: 4 } }),
      POLICY,
    );
    expect(order(p)).toEqual(["ok"]);
    expect(p.seen).toBe(nodes.length);
    expect(Object.fromEntries(p.rejected)).toEqual({
      "in maintenance": 1,
      "fault power failure": 1,
      retired: 1,
      "provision_state deploying": 1,
      "other resource_class": 1,
      "missing trait CUSTOM_X": 1,
      "ironic_properties.cpus below 4": 1,
      "holds persistent disks of another VM": 1,
      "claimed by another BOSH VM": 2,
      "claimed by another instance": 1,
      "reserved for persistent disks": 1,
      "being deleted by BOSH": 1,
    });
  });
});

describe("required spread", () => {
  const spread = { group: "web", path: RACK, required: true };
  const held = [member("h1", "ra", "web", 120), member("h2", "rb", "web", 60), member("h3", "rc", "db")];

  it("keeps only servers outside the group's domains, counting the others under DOMAIN_TAKEN", () => {
    const nodes = [
      node("a1", { properties: { rack: "ra" } }),
      node("a2", { properties: { rack: "ra" } }),
      node("b1", { properties: { rack: "rb" } }),
      node("c1", { properties: { rack: "rc" } }),
      node("loose"),
      node("m", { maintenance: true, properties: { rack: "rd" } }),
    ];
    const p = plan(nodes, held, req({ spread }), POLICY);
    expect(order(p).sort()).toEqual(["c1", "loose"]);
    expect(Object.fromEntries(p.rejected)).toEqual({ [DOMAIN_TAKEN]: 3, "in maintenance": 1 });
    expect(p.full).toBeUndefined();
  });

  it("our own claim and our disks' server stay even in a taken domain: the VM is placed by them", () => {
    const nodes = [
      node("ours", { instance_uuid: CLAIM, properties: { rack: "ra" }, extra: { bosh: { phase: "creating" } } }),
      node("takeover", {
        instance_uuid: "disk-claim",
        properties: { rack: "rb" },
        extra: { bosh: { phase: "reserved", disk_cids: ["d1"] } },
      }),
      node("a1", { properties: { rack: "ra" } }),
    ];
    const p = plan(nodes, held, req({ spread, diskCids: ["d1"] }), POLICY);
    expect(p.ranked.map((r) => r.how)).toEqual(["ours", "takeover"]);
    expect(Object.fromEntries(p.rejected)).toEqual({ [DOMAIN_TAKEN]: 1 });
    expect(p.full).toBeUndefined();
  });

  it("full: every fitting server is in a taken domain; it names the members of each domain, oldest first", () => {
    const nodes = [node("a1", { properties: { rack: "ra" } }), node("b1", { properties: { rack: "rb" } })];
    const members = [...held, member("h0", "ra", "web", 600)];
    const p = plan(nodes, members, req({ spread }), POLICY);
    expect(p.ranked).toEqual([]);
    expect(p.rejected.get(DOMAIN_TAKEN)).toBe(2);
    expect([...p.full!.keys()].sort()).toEqual(["ra", "rb"]);
    expect(p.full!.get("ra")!.map((n) => n.uuid)).toEqual(["h0", "h1"]);
    expect(p.full!.get("rb")!.map((n) => n.uuid)).toEqual(["h2"]);
  });

  it("not full when nothing fits for another reason: the spread rule did not empty the pool", () => {
    const p = plan([node("m", { maintenance: true, properties: { rack: "ra" } })], held, req({ spread }), POLICY);
    expect(p.ranked).toEqual([]);
    expect(p.full).toBeUndefined();
    expect(Object.fromEntries(p.rejected)).toEqual({ "in maintenance": 1 });
    expect(plan([], held, req({ spread }), POLICY).full).toBeUndefined();
  });

  it("preferred spread never filters: a taken domain only ranks later", () => {
    const nodes = [
      node("a1", { properties: { rack: "ra", cpus: 1 } }),
      node("d1", { properties: { rack: "rd", cpus: 64 } }),
    ];
    const p = plan(nodes, held, req({ spread: { ...spread, required: false } }), POLICY);
    expect(order(p)).toEqual(["d1", "a1"]);
    expect(p.rejected.size).toBe(0);
  });
});
