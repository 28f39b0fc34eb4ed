// services/pool/acquire.ts: the loop around the selection plan. It claims the best candidate with one
// PATCH; a lost race moves on and lists the pool again; this agent's own earlier claim is resumed; a stale
// `creating` claim is released and taken; a node that changed between the listing and the claim is given
// back; servers without an ephemeral disk are passed over; and the failures are typed: no match and a full
// `required` spread are VMCreationFailed(false), claims lost until the passes ran out VMCreationFailed(true).
import { describe, expect, it } from "vitest";
import { EPHEMERAL_FIX } from "../../../../src/devices/ephemeral.ts";
import {
  IronicBadRequest,
  IronicConflict,
  IronicNodeAssociated,
  IronicNodeLocked,
} from "../../../../src/ironic/errors.ts";
import { VmCreationFailed } from "../../../../src/protocol/errors.ts";
import { parseDomainPath } from "../../../../src/selection/failure-domains.ts";
import type { SelectionRequest } from "../../../../src/selection/request.ts";
import { type Want, acquire } from "../../../../src/services/pool/acquire.ts";
import { type FakeIronic, type FakeNode, fakeIronic, vmDeps } from "../fake-ironic.ts";

const CLAIM = "0b7a3a1e-58a4-4cbb-9bb4-3d1c4a6c9e01";
const SMALL = "00000000-0000-4000-8000-000000000001";
const BIG = "00000000-0000-4000-8000-000000000002";
/** The fake's clock starts here; a claim older than deploy_timeout + margin (3600 + 600 s) is stale. */
const HOURS_AGO = "2026-11-21T09:00:00Z";

const conflict = (Cls: typeof IronicConflict, msg: string) =>
  new Cls({ status: 409, method: "PATCH", url: "fake", ironicMessage: msg });
const lostRace = () => conflict(IronicNodeAssociated, "Node is associated with instance other.");

const want = (req: Partial<SelectionRequest> = {}, over: Partial<Want> = {}): Want => ({
  req: { claimUuid: CLAIM, seed: CLAIM, states: ["available"], diskCids: [], resourceClass: "rc", ...req },
  record: { phase: "creating", agent_id: CLAIM },
  setup: () => ({ instanceInfo: { image_source: "http://store/img" }, fields: {}, record: {} }),
  ...over,
});

/** Two free servers of the class: SMALL ranks first (the smallest that fits). */
function pool(extra: Partial<FakeNode>[] = []) {
  const fake = fakeIronic();
  fake.add({ uuid: SMALL, name: "small", resource_class: "rc", properties: { cpus: 4 } });
  fake.add({ uuid: BIG, name: "big", resource_class: "rc", properties: { cpus: 8 } });
  for (const [i, n] of extra.entries())
    fake.add({ uuid: `00000000-0000-4000-8000-0000000001${String(i).padStart(2, "0")}`, resource_class: "rc", ...n });
  return { fake, deps: vmDeps(fake) };
}
/** The pool listings (one per provision state and pass), not the look-ups of our own claim. */
const lists = (fake: FakeIronic) => fake.calls.filter((c) => c.startsWith("LIST") && c.includes("provision_state"));
const patches = (fake: FakeIronic) => fake.calls.filter((c) => c.startsWith("PATCH"));
const bosh = (fake: FakeIronic, uuid: string) => fake.node(uuid).extra?.["bosh"] as Record<string, unknown> | undefined;

/** Runs `change` once, right after the first candidate listing: the world moves between list and claim. */
function afterFirstList(fake: FakeIronic, change: () => void) {
  const nodes = fake.client.nodes as unknown as { list: (q: unknown) => Promise<unknown> };
  const list = nodes.list;
  let done = false;
  nodes.list = async (q) => {
    const out = await list(q);
    if (!done) {
      done = true;
      change();
    }
    return out;
  };
}
const failure = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VmCreationFailed);
  return err as VmCreationFailed;
};

describe("acquire", () => {
  it("claims the best candidate with one PATCH: instance_uuid, the record with its source, the setup", async () => {
    const { fake, deps } = pool([{ resource_class: "other", properties: { cpus: 1 } }]);
    const got = await acquire(deps, want());
    expect(got).toMatchObject({ how: "free", source: "available", node: { uuid: SMALL, instance_uuid: CLAIM } });
    expect(bosh(fake, SMALL)).toMatchObject({
      phase: "creating",
      agent_id: CLAIM,
      vm_cid: CLAIM,
      source: "available",
      claimed_at: expect.any(String),
    });
    expect(fake.node(SMALL).instance_info).toEqual({ image_source: "http://store/img" });
    expect(patches(fake)).toEqual([
      `PATCH ${SMALL} add /instance_uuid, add /extra/bosh, add /instance_info/image_source`,
    ]);
    expect(lists(fake)).toEqual([
      `LIST ${JSON.stringify({ provision_state: "available", maintenance: false, resource_class: "rc" })}`,
    ]);
    expect(fake.node(BIG).instance_uuid).toBeNull();
  });

  it("a server from the manageable pool is recorded as such, so its release puts it back there", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: SMALL, resource_class: "rc", provision_state: "manageable" });
    const got = await acquire(vmDeps(fake), want({ states: ["available", "manageable"] }));
    expect(got).toMatchObject({ how: "free", source: "manageable" });
    expect(bosh(fake, SMALL)).toMatchObject({ source: "manageable" });
  });

  it.each([
    ["associated (409)", lostRace],
    ["locked (409)", () => conflict(IronicNodeLocked, "Node is locked by host c1, please retry.")],
    [
      "in a transition (409)",
      () => conflict(IronicConflict, "Node can not be updated while a state transition is in progress."),
    ],
  ])("a claim lost as %s moves on to the next server, listing the pool again", async (_, err) => {
    const { fake, deps } = pool();
    fake.patchFailures.set(SMALL, [err()]);
    const got = await acquire(deps, want());
    expect(got.node.uuid).toBe(BIG);
    expect(lists(fake)).toHaveLength(2);
    expect(patches(fake)).toHaveLength(2);
    expect(fake.node(SMALL).instance_uuid).toBeNull();
    expect(bosh(fake, SMALL)).toBeUndefined();
  });

  it("any other failure of the claim is not a lost race: it ends the call", async () => {
    const { fake, deps } = pool();
    fake.patchFailures.set(SMALL, [
      new IronicBadRequest({ status: 400, method: "PATCH", url: "fake", ironicMessage: "bad patch" }),
    ]);
    await expect(acquire(deps, want())).rejects.toBeInstanceOf(IronicBadRequest);
    expect(fake.node(BIG).instance_uuid).toBeNull();
  });

  it("our own earlier claim on a listed server is resumed as it is (how: ours), without a PATCH", async () => {
    const { fake, deps } = pool();
    fake.node(BIG).instance_uuid = CLAIM;
    fake.node(BIG).extra = { bosh: { phase: "creating", agent_id: CLAIM, source: "manageable" } };
    const got = await acquire(deps, want());
    expect(got).toMatchObject({ how: "ours", source: "manageable", node: { uuid: BIG } });
    expect(patches(fake)).toEqual([]);
    expect(fake.node(SMALL).instance_uuid).toBeNull();
  });

  it("our own claim on a server already deploying is found by the claim Ironic refuses elsewhere (409)", async () => {
    const { fake, deps } = pool();
    const mine = fake.add({
      uuid: "00000000-0000-4000-8000-0000000000aa",
      resource_class: "rc",
      provision_state: "deploying",
      instance_uuid: CLAIM,
      extra: { bosh: { phase: "creating", agent_id: CLAIM, source: "available" } },
    });
    const got = await acquire(deps, want());
    expect(got).toMatchObject({ how: "ours", node: { uuid: mine.uuid, provision_state: "deploying" } });
    // one claim was tried on the best free server and refused: Ironic keeps instance_uuid unique
    expect(patches(fake)).toEqual([expect.stringContaining(`PATCH ${SMALL} add /instance_uuid`)]);
    expect(fake.node(SMALL).instance_uuid).toBeNull();
    expect(fake.calls).toContain(`LIST ${JSON.stringify({ instance_uuid: CLAIM })}`);
  });

  it("our own claim is found when nothing is free at all", async () => {
    const fake = fakeIronic();
    fake.add({
      uuid: SMALL,
      resource_class: "rc",
      provision_state: "active",
      instance_uuid: CLAIM,
      extra: { bosh: { phase: "creating", agent_id: CLAIM } },
    });
    const got = await acquire(vmDeps(fake), want());
    expect(got).toMatchObject({ how: "ours", source: "available", node: { uuid: SMALL } });
  });

  it("a stale `creating` claim of a create_vm that died is released, then taken", async () => {
    const fake = fakeIronic();
    fake.add({
      uuid: SMALL,
      resource_class: "rc",
      instance_uuid: "dead0000-0000-4000-8000-000000000000",
      automated_clean: false,
      instance_info: { image_source: "http://old" },
      extra: {
        bosh: {
          phase: "creating",
          agent_id: "dead",
          claimed_at: HOURS_AGO,
          updated_at: HOURS_AGO,
          restore: { automated_clean: true },
        },
      },
    });
    const got = await acquire(vmDeps(fake), want());
    expect(got).toMatchObject({ how: "stale", node: { uuid: SMALL, instance_uuid: CLAIM } });
    expect(bosh(fake, SMALL)).toMatchObject({ agent_id: CLAIM, phase: "creating" });
    expect(bosh(fake, SMALL)!["claimed_at"]).not.toBe(HOURS_AGO);
    // the dead call's changes were put back by the release before our claim
    expect(fake.node(SMALL).automated_clean).toBe(true);
    expect(fake.node(SMALL).instance_info).toEqual({ image_source: "http://store/img" });
    expect(patches(fake)).toEqual([
      `PATCH ${SMALL} remove /instance_uuid, remove /extra/bosh, add /instance_info, add /automated_clean`,
      `PATCH ${SMALL} add /instance_uuid, add /extra/bosh, add /instance_info/image_source`,
    ]);
  });

  it("a young `creating` claim is someone's create_vm at work: not taken", async () => {
    const fake = fakeIronic();
    fake.add({
      uuid: SMALL,
      resource_class: "rc",
      instance_uuid: "busy0000-0000-4000-8000-000000000000",
      extra: { bosh: { phase: "creating", claimed_at: "2026-11-21T11:59:00Z", updated_at: "2026-11-21T11:59:00Z" } },
    });
    const err = await failure(acquire(vmDeps(fake), want()));
    expect(err.okToRetry).toBe(false);
    expect(err.message).toMatch(/rejected: 1 claimed by another BOSH VM/);
    expect(patches(fake)).toEqual([]);
  });

  it("a stale claim re-claimed by another call meanwhile is left alone; the next stale one is taken", async () => {
    const { fake, deps } = pool();
    for (const [uuid, dead] of [
      [SMALL, "dead0000-0000-4000-8000-000000000000"],
      [BIG, "dead1111-0000-4000-8000-000000000000"],
    ] as const) {
      fake.node(uuid).instance_uuid = dead;
      fake.node(uuid).extra = { bosh: { phase: "creating", claimed_at: HOURS_AGO, updated_at: HOURS_AGO } };
    }
    const live = "11110000-0000-4000-8000-000000000000";
    afterFirstList(fake, () => {
      // another create_vm released the dead claim on SMALL (the first stale one) and claimed it anew
      fake.node(SMALL).instance_uuid = live;
      fake.node(SMALL).extra = { bosh: { phase: "creating", claimed_at: "2026-11-21T12:00:00Z" } };
    });
    const got = await acquire(deps, want());
    expect(got).toMatchObject({ how: "stale", node: { uuid: BIG, instance_uuid: CLAIM } });
    expect(fake.node(SMALL).instance_uuid).toBe(live);
    expect(patches(fake).filter((p) => p.startsWith(`PATCH ${SMALL}`))).toEqual([]);
  });

  it.each([
    ["went into maintenance", (n: FakeNode) => Object.assign(n, { maintenance: true })],
    ["was moved to manageable", (n: FakeNode) => Object.assign(n, { provision_state: "manageable" })],
  ])("a server that %s between the listing and the claim is given back; the next is taken", async (_, change) => {
    const { fake, deps } = pool();
    afterFirstList(fake, () => change(fake.node(SMALL)));
    const got = await acquire(deps, want());
    expect(got.node.uuid).toBe(BIG);
    expect(fake.node(SMALL)).toMatchObject({ instance_uuid: null, instance_info: {} });
    expect(bosh(fake, SMALL)).toBeUndefined();
    expect(lists(fake).length).toBeGreaterThanOrEqual(2);
  });
});

describe("acquire with an ephemeral disk to find", () => {
  const DISK = { path: "/dev/disk/by-path/eph", source: "node" as const };

  it("passes over a server without one before any claim, and hands the device of the one it takes", async () => {
    const { fake, deps } = pool();
    const asked: string[] = [];
    const ephemeralFor = async (n: { uuid: string }) => {
      asked.push(n.uuid);
      return n.uuid === BIG ? DISK : undefined;
    };
    const got = await acquire(deps, want({}, { ephemeralFor }));
    expect(got).toMatchObject({ node: { uuid: BIG }, ephemeral: DISK });
    expect(patches(fake)).toEqual([expect.stringContaining(`PATCH ${BIG} `)]);
    expect(new Set(asked)).toEqual(new Set([SMALL, BIG]));
    expect(asked.filter((u) => u === SMALL)).toHaveLength(1); // one inventory read per server and call
  });

  it("none has one: VMCreationFailed(false) counting them and naming the fix, nothing claimed", async () => {
    const { fake, deps } = pool();
    const err = await failure(acquire(deps, want({}, { ephemeralFor: async () => undefined })));
    expect(err.okToRetry).toBe(false);
    expect(err.message).toBe(
      `2 server(s) fit the vm_type, but none has an ephemeral disk for the agent: ${EPHEMERAL_FIX}`,
    );
    expect(patches(fake)).toEqual([]);
  });
});

describe("acquire failures", () => {
  it("no match: VMCreationFailed(false) with what was asked, what was rejected and what lies outside the filters", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: SMALL, resource_class: "rc", maintenance: true });
    fake.add({ uuid: BIG, resource_class: "rc", provision_state: "manageable" });
    fake.add({ uuid: "00000000-0000-4000-8000-000000000003", resource_class: "rc", properties: { cpus: 2 } });
    fake.add({ uuid: "00000000-0000-4000-8000-000000000004", resource_class: "gpu" });
    const err = await failure(acquire(vmDeps(fake), want({ properties: { cpus: 4 } })));
    expect(err.okToRetry).toBe(false);
    expect(err.message).toBe(
      "no free Ironic node matches (provision_state=available, maintenance=false, resource_class=rc, " +
        'ironic_properties={"cpus":4}); 1 node(s) passed Ironic\'s filters; ' +
        "rejected: 1 ironic_properties.cpus below 4; " +
        "outside the filters: 1 in maintenance, 1 provision_state manageable",
    );
    expect(patches(fake)).toEqual([]);
  });

  it("claims lost until the passes ran out, with candidates left: VMCreationFailed(true), try again", async () => {
    const fake = fakeIronic();
    for (let i = 0; i < 9; i++) {
      const uuid = `00000000-0000-4000-8000-00000000000${i}`;
      fake.add({ uuid, resource_class: "rc" });
      fake.patchFailures.set(uuid, [lostRace()]);
    }
    const err = await failure(acquire(vmDeps(fake), want()));
    expect(err.okToRetry).toBe(true);
    expect(err.message).toBe("lost 8 claim(s) to concurrent create_vm calls; nothing was provisioned, try again");
    expect(lists(fake)).toHaveLength(8); // one listing per pass, each after a lost claim
    expect([...fake.nodes.values()].filter((n) => n.instance_uuid)).toEqual([]);
  });

  it("every candidate lost to a concurrent call leaves none: no match (false), naming the lost claims", async () => {
    const { fake, deps } = pool();
    fake.patchFailures.set(SMALL, [lostRace()]);
    fake.patchFailures.set(BIG, [lostRace()]);
    const err = await failure(acquire(deps, want()));
    expect(err.okToRetry).toBe(false);
    expect(err.message).toMatch(/^no free Ironic node matches .*; 2 claim\(s\) lost to concurrent create_vm calls$/);
  });

  it("required spread with every fitting server in a domain of the group: the message names the domains and VMs", async () => {
    const fake = fakeIronic();
    const vm = (uuid: string, name: string, rack: string, at: string) =>
      fake.add({
        uuid,
        name,
        provision_state: "active",
        instance_uuid: `c1a1c1a1${uuid.slice(8)}`,
        properties: { rack },
        extra: { bosh: { phase: "created", group: "web", claimed_at: at } },
      });
    vm("00000000-0000-4000-8000-0000000000a1", "web-a", "ra", "2026-11-21T10:00:00Z");
    vm("00000000-0000-4000-8000-0000000000b1", "web-b", "rb", "2026-11-21T10:00:01Z");
    fake.add({ uuid: SMALL, resource_class: "rc", properties: { rack: "ra" } });
    fake.add({ uuid: BIG, resource_class: "rc", properties: { rack: "rb" } });
    const spread = { group: "web", path: parseDomainPath("properties.rack")!, required: true };
    const err = await failure(acquire(vmDeps(fake), want({ spread })));
    expect(err.okToRetry).toBe(false);
    expect(err.message).toBe(
      "spread: required for instance group web: every fitting server is in a failure domain (properties.rack) " +
        "that already holds one of its VMs: ra (web-a); rb (web-b)",
    );
    expect(patches(fake)).toEqual([]);
  });
});
