// services/pool/spread.ts keepsSpread: after a claim landed, the pool re-counts the instance group from
// Ironic and gives the server up when the claim is the surplus of its failure domain
// (selection/failure-domains.ts surplus). Preferred: the first floor+1 claims of a domain stay, floor being
// the fewest VMs of the group in another domain that still has a free candidate. Required: a claim stays
// only alone in its domain. Our own earlier claim and our disks' server always stay.
import { describe, expect, it } from "vitest";
import type { Node } from "../../../../src/ironic/node-schema.ts";
import { parseDomainPath } from "../../../../src/selection/failure-domains.ts";
import type { How } from "../../../../src/selection/filters.ts";
import type { SelectionRequest } from "../../../../src/selection/request.ts";
import { heldNodes, keepsSpread } from "../../../../src/services/pool/spread.ts";
import { type FakeIronic, fakeIronic, vmDeps } from "../fake-ironic.ts";

const CLAIM = "0b7a3a1e-58a4-4cbb-9bb4-3d1c4a6c9e01";
const RACK = parseDomainPath("properties.rack")!;
const req = (required: boolean, spread = true): SelectionRequest => ({
  claimUuid: CLAIM,
  seed: CLAIM,
  states: ["available"],
  diskCids: [],
  ...(spread ? { spread: { group: "web", path: RACK, required } } : {}),
});

let n = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;

/** A VM of `group` in `rack`, claimed at second `at` of the minute. */
function vm(fake: FakeIronic, rack: string, at: number, group = "web", claim = `c1a1c1a1-0000-4000-8000-${at}`) {
  return fake.add({
    uuid: uuid(),
    provision_state: "active",
    instance_uuid: claim,
    properties: { rack },
    extra: { bosh: { phase: "created", group, claimed_at: `2026-11-21T12:00:${String(at).padStart(2, "0")}Z` } },
  });
}
const free = (fake: FakeIronic, rack: string) => fake.add({ uuid: uuid(), properties: { rack } });
/** Our claim, just landed: phase creating, the newest unless `at` says otherwise. */
function mine(fake: FakeIronic, rack: string, at = 59) {
  const node = fake.add({
    uuid: uuid(),
    instance_uuid: CLAIM,
    properties: { rack },
    instance_info: { image_source: "http://store/img" },
    extra: {
      bosh: { phase: "creating", group: "web", vm_cid: CLAIM, claimed_at: `2026-11-21T12:00:${at}Z` },
    },
  });
  return structuredClone(node) as Node;
}
const keeps = (fake: FakeIronic, r: SelectionRequest, got: Node, candidates: Node[], how: How = "free") =>
  keepsSpread(
    vmDeps(fake),
    r,
    { node: got, how },
    candidates.map((c) => ({ node: c })),
  );

describe("keepsSpread, preferred", () => {
  it("keeps the first floor+1 claims of a domain: with an empty domain free, a second VM in a rack moves on", async () => {
    const fake = fakeIronic();
    vm(fake, "ra", 1);
    const claimed = mine(fake, "ra");
    const elsewhere = free(fake, "rb");
    expect(await keeps(fake, req(false), claimed, [claimed, elsewhere])).toBe(false);
    // the surplus claim is released: no instance_uuid, no record, the claim's instance_info gone
    expect(fake.node(claimed.uuid)).toMatchObject({ instance_uuid: null, instance_info: {} });
    expect(fake.node(claimed.uuid).extra?.["bosh"]).toBeUndefined();
  });

  it("the first claim of a domain stays even when it landed after a later one (claim order decides)", async () => {
    const fake = fakeIronic();
    const claimed = mine(fake, "ra", 10);
    vm(fake, "ra", 20); // stamped later, landed earlier
    const elsewhere = free(fake, "rb");
    expect(await keeps(fake, req(false), claimed, [claimed, elsewhere])).toBe(true);
    expect(fake.node(claimed.uuid).instance_uuid).toBe(CLAIM);
  });

  it("one over the fewest is allowed: with every free domain holding one VM, a second VM in a rack stays", async () => {
    const fake = fakeIronic();
    vm(fake, "ra", 1);
    vm(fake, "rb", 2);
    const claimed = mine(fake, "ra");
    const elsewhere = free(fake, "rb");
    expect(await keeps(fake, req(false), claimed, [claimed, elsewhere])).toBe(true);
  });

  it("but the third in a rack moves on while another free domain holds one", async () => {
    const fake = fakeIronic();
    vm(fake, "ra", 1);
    vm(fake, "ra", 2);
    vm(fake, "rb", 3);
    const claimed = mine(fake, "ra");
    const elsewhere = free(fake, "rb");
    expect(await keeps(fake, req(false), claimed, [claimed, elsewhere])).toBe(false);
  });

  it("floor counts only domains that still have a free candidate: with none elsewhere the claim stays", async () => {
    const fake = fakeIronic();
    vm(fake, "ra", 1);
    vm(fake, "ra", 2);
    const claimed = mine(fake, "ra");
    // rb had a candidate at listing time, but it is held by now (another VM, of another group)
    const taken = vm(fake, "rb", 3, "db");
    expect(await keeps(fake, req(false), claimed, [claimed, taken])).toBe(true);
    expect(await keeps(fake, req(false), claimed, [claimed])).toBe(true);
  });

  it("other instance groups do not count", async () => {
    const fake = fakeIronic();
    vm(fake, "ra", 1, "db");
    vm(fake, "ra", 2, "db");
    const claimed = mine(fake, "ra");
    expect(await keeps(fake, req(false), claimed, [claimed, free(fake, "rb")])).toBe(true);
  });
});

describe("keepsSpread, required", () => {
  it("keeps a claim alone in its domain", async () => {
    const fake = fakeIronic();
    vm(fake, "rb", 1);
    const claimed = mine(fake, "ra");
    expect(await keeps(fake, req(true), claimed, [claimed, free(fake, "rc")])).toBe(true);
  });

  it("gives up a claim that shares its domain, even the older one (claim order cannot decide here)", async () => {
    const fake = fakeIronic();
    const claimed = mine(fake, "ra", 10);
    vm(fake, "ra", 20);
    expect(await keeps(fake, req(true), claimed, [claimed])).toBe(false);
    expect(fake.node(claimed.uuid).instance_uuid).toBeNull();
  });
});

describe("keepsSpread, always kept", () => {
  it.each(["ours", "takeover"] as const)("a claim obtained as %s stays without a re-count", async (how) => {
    const fake = fakeIronic();
    vm(fake, "ra", 1);
    const claimed = mine(fake, "ra");
    fake.calls.length = 0;
    expect(await keeps(fake, req(true), claimed, [claimed, free(fake, "rb")], how)).toBe(true);
    expect(fake.calls).toEqual([]);
  });

  it("a request without spread reads nothing", async () => {
    const fake = fakeIronic();
    vm(fake, "ra", 1);
    const claimed = mine(fake, "ra");
    fake.calls.length = 0;
    expect(await keeps(fake, req(true, false), claimed, [claimed])).toBe(true);
    expect(await heldNodes(vmDeps(fake), req(true, false))).toEqual([]);
    expect(fake.calls).toEqual([]);
  });
});

describe("heldNodes", () => {
  it("lists the associated nodes with the field the domain is read from", async () => {
    const fake = fakeIronic();
    const held = vm(fake, "ra", 1);
    free(fake, "rb");
    const queries: unknown[] = [];
    const nodes = fake.client.nodes as unknown as { list: (q: unknown) => Promise<unknown> };
    const list = nodes.list;
    nodes.list = (q) => {
      queries.push(q);
      return list(q);
    };
    const listed = await heldNodes(vmDeps(fake), req(false));
    expect(listed.map((x) => x.uuid)).toEqual([held.uuid]);
    const traits = {
      ...req(false),
      spread: { group: "web", path: parseDomainPath("trait:CUSTOM_RACK_")!, required: false },
    };
    await heldNodes(vmDeps(fake), traits);
    expect(queries).toEqual([
      { associated: true, fields: ["uuid", "name", "instance_uuid", "extra", "properties"] },
      { associated: true, fields: ["uuid", "name", "instance_uuid", "extra", "traits"] },
    ]);
  });
});
