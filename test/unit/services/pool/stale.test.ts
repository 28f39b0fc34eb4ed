// services/pool/stale.ts releaseStaleDeployed: when nothing is free, the pool tears down ONE stale claim
// of a create_vm that died after its deploy started (`creating` past deploy_timeout + margin, or `created`
// and never acknowledged past the margin) on a node in a deploy-started state, picked by the agent's seed
// among the stale ones, re-read before the teardown so that a claim that changed meanwhile is left alone.
import { describe, expect, it } from "vitest";
import { IronicUnavailable } from "../../../../src/ironic/errors.ts";
import { hash32 } from "../../../../src/selection/ranking.ts";
import type { SelectionRequest, StalePolicy } from "../../../../src/selection/request.ts";
import { releaseStaleDeployed } from "../../../../src/services/pool/stale.ts";
import { type FakeIronic, type FakeNode, fakeIronic, vmDeps } from "../fake-ironic.ts";

const NOW = new Date("2026-11-21T12:00:00Z");
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
const POLICY: StalePolicy = { now: NOW, deployTimeoutS: 3600, deleteTimeoutS: 1800, marginS: 600 };
const req = (over: Partial<SelectionRequest> = {}): SelectionRequest => ({
  claimUuid: "0b7a3a1e-58a4-4cbb-9bb4-3d1c4a6c9e01",
  seed: "agent-1",
  states: ["available"],
  diskCids: [],
  resourceClass: "rc",
  ...over,
});

let n = 0;
/** A claimed node of class rc: `state`, extra.bosh = `rec` (source available). */
function claimed(fake: FakeIronic, state: string, rec: Record<string, unknown>, over: Partial<FakeNode> = {}) {
  const i = String(++n).padStart(12, "0");
  return fake.add({
    uuid: `00000000-0000-4000-8000-${i}`,
    name: `node-${i}`,
    resource_class: "rc",
    provision_state: state,
    instance_uuid: `c1a1c1a1-0000-4000-8000-${i}`,
    extra: { bosh: { source: "available", ...rec } },
    ...over,
  }).uuid;
}
const creating = (secondsAgo: number) => ({
  phase: "creating",
  claimed_at: ago(secondsAgo),
  updated_at: ago(secondsAgo),
});
const created = (secondsAgo: number, more: Record<string, unknown> = {}) => ({
  phase: "created",
  claimed_at: ago(secondsAgo + 100),
  updated_at: ago(secondsAgo),
  created_at: ago(secondsAgo),
  ...more,
});
const released = (fake: FakeIronic, uuid: string) =>
  fake.node(uuid).provision_state === "available" && !fake.node(uuid).instance_uuid && !fake.node(uuid).extra?.["bosh"];
const provisions = (fake: FakeIronic) => fake.calls.filter((c) => c.startsWith("PROVISION"));

describe("releaseStaleDeployed", () => {
  it("tears down only stale creating/created claims on deployed nodes, one per call", async () => {
    const fake = fakeIronic();
    const stale = [
      claimed(fake, "active", creating(5 * 3600)),
      claimed(fake, "active", created(3600)), // never acknowledged
      claimed(fake, "deploy failed", creating(5 * 3600)),
      claimed(fake, "wait call-back", creating(5 * 3600)),
    ];
    const kept = [
      claimed(fake, "active", creating(60)), // a create_vm at work
      claimed(fake, "active", created(3600, { acknowledged_at: ago(3500) })), // a director knows it
      claimed(fake, "active", created(60)), // its director may still acknowledge it
      claimed(fake, "active", { phase: "deleting", updated_at: ago(5 * 3600) }), // a delete_vm's, not ours to finish
      claimed(fake, "active", { phase: "reserved", claimed_at: ago(5 * 3600) }), // disks' server
      claimed(fake, "available", creating(5 * 3600)), // not deployed: acquire releases it by itself
      claimed(fake, "active", creating(5 * 3600), { resource_class: "other" }), // outside the request's pool
      claimed(fake, "active", creating(5 * 3600), { maintenance: true }), // maintenance: the operator's
    ];
    const deps = vmDeps(fake);
    for (let call = 1; call <= stale.length; call++) {
      const before = provisions(fake).length;
      expect(await releaseStaleDeployed(deps, req(), POLICY)).toBe(true);
      expect(stale.filter((u) => released(fake, u))).toHaveLength(call);
      expect(provisions(fake).length - before).toBeLessThanOrEqual(1);
    }
    expect(await releaseStaleDeployed(deps, req(), POLICY)).toBe(false);
    for (const u of kept) expect(fake.node(u).instance_uuid, fake.node(u).name ?? u).not.toBeNull();
    expect(provisions(fake).filter((c) => kept.some((u) => c.includes(u)))).toEqual([]);
  });

  it("lists every deploy-started state with the request's pool filters", async () => {
    const fake = fakeIronic();
    expect(await releaseStaleDeployed(vmDeps(fake), req(), POLICY)).toBe(false);
    const q = (s: string) => `LIST ${JSON.stringify({ provision_state: s, maintenance: false, resource_class: "rc" })}`;
    expect(fake.calls.sort()).toEqual(["active", "deploy failed", "deploying", "wait call-back"].map(q).sort());
  });

  it("the seed picks which stale claim: parallel calls of other agents go for different ones", async () => {
    const seeds = Array.from({ length: 20 }, (_, i) => `agent-${i}`);
    const even = seeds.find((s) => hash32(s) % 2 === 0)!;
    const odd = seeds.find((s) => hash32(s) % 2 === 1)!;
    for (const [seed, index] of [
      [even, 0],
      [odd, 1],
    ] as const) {
      const fake = fakeIronic();
      const pair = [claimed(fake, "active", creating(5 * 3600)), claimed(fake, "active", creating(5 * 3600))].sort();
      expect(await releaseStaleDeployed(vmDeps(fake), req({ seed }), POLICY)).toBe(true);
      expect(released(fake, pair[index]!), seed).toBe(true);
      expect(released(fake, pair[1 - index]!), seed).toBe(false);
    }
  });

  it("re-reads the node first: a claim that changed since the listing is left alone", async () => {
    const changes: [string, (node: FakeNode) => void][] = [
      ["re-claimed", (node) => Object.assign(node, { instance_uuid: "11110000-0000-4000-8000-000000000000" })],
      [
        "re-stamped",
        (node) => Object.assign(node, { extra: { bosh: { ...creating(5 * 3600), claimed_at: ago(10) } } }),
      ],
      ["now young", (node) => Object.assign(node, { extra: { bosh: { ...creating(5), claimed_at: ago(5 * 3600) } } })],
      ["released", (node) => Object.assign(node, { instance_uuid: null, extra: {} })],
    ];
    for (const [what, change] of changes) {
      const fake = fakeIronic();
      const uuid = claimed(fake, "active", creating(5 * 3600));
      const nodes = fake.client.nodes as unknown as { list: (q: unknown) => Promise<unknown> };
      const list = nodes.list;
      nodes.list = async (q) => {
        const out = await list(q);
        change(fake.node(uuid));
        return out;
      };
      expect(await releaseStaleDeployed(vmDeps(fake), req(), POLICY), what).toBe(false);
      expect(fake.calls, what).toContain(`GET ${uuid}`);
      expect(provisions(fake), what).toEqual([]);
    }
  });

  it("a vm_type that names its servers by MAC lists nothing: its servers are not a pool to take from", async () => {
    const fake = fakeIronic();
    claimed(fake, "active", creating(5 * 3600));
    expect(await releaseStaleDeployed(vmDeps(fake), req({ macs: ["52:54:00:00:00:01"] }), POLICY)).toBe(false);
    expect(fake.calls).toEqual([]);
  });

  it("a teardown that fails (another call may be at it) answers false instead of failing the create_vm", async () => {
    const fake = fakeIronic();
    const uuid = claimed(fake, "active", creating(5 * 3600), {
      failUndeploy: new IronicUnavailable("PUT", "fake", "ECONNREFUSED", "connection refused", 8),
    });
    expect(await releaseStaleDeployed(vmDeps(fake), req(), POLICY)).toBe(false);
    expect(fake.node(uuid).provision_state).toBe("active");
  });
});
