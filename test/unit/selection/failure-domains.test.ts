import { describe, expect, it } from "vitest";
import {
  type DomainNode,
  domainKey,
  domainOf,
  fleetByDomain,
  groupMembers,
  parseDomainPath,
  spreadGroup,
  surplus,
} from "../../../src/selection/failure-domains.ts";

const path = (s: string) => parseDomainPath(s)!;
const vm = (uuid: string, rack: string, group: string, claimedAt: string): DomainNode => ({
  uuid,
  instance_uuid: `vm-${uuid}`,
  properties: { rack },
  extra: { bosh: { phase: "created", group, claimed_at: claimedAt } },
});

describe("failure domain paths", () => {
  it("reads properties, extra, conductor_group and trait prefixes; a server without one is its own domain", () => {
    const node: DomainNode = {
      uuid: "n1",
      name: "s1",
      properties: { rack: "r7", pos: 3 },
      extra: { site: { pdu: "p2" } },
      conductor_group: "az1",
      traits: ["CUSTOM_GPU", "CUSTOM_RACK_B12"],
    };
    expect(domainOf(node, path("properties.rack"))).toBe("r7");
    expect(domainOf(node, path("properties.pos"))).toBe("3");
    expect(domainOf(node, path("extra.site.pdu"))).toBe("p2");
    expect(domainOf(node, path("conductor_group"))).toBe("az1");
    expect(domainOf(node, path("trait:CUSTOM_RACK_"))).toBe("B12");
    expect(domainOf(node, path("extra.nope"))).toBeUndefined();
    expect(domainKey({ uuid: "n2", name: "s2" }, path("properties.rack"))).toBe("(no domain: s2)");
  });

  it("refuses paths that name nothing Ironic lists", () => {
    for (const bad of ["rack", "properties", "properties.", "extra..x", "trait:RACK_", "driver_info.x"])
      expect(parseDomainPath(bad), bad).toBeUndefined();
  });
});

describe("the spread key", () => {
  it("is env.bosh.group, else the last of env.bosh.groups", () => {
    expect(spreadGroup({ bosh: { group: "d-dep-web", groups: ["d", "dep", "web"] } })).toBe("d-dep-web");
    expect(spreadGroup({ bosh: { groups: ["d", "dep", "web"] } })).toBe("web");
    expect(spreadGroup({})).toBeUndefined();
    expect(spreadGroup(undefined)).toBeUndefined();
  });
});

describe("after a claim: the surplus of a domain moves on", () => {
  const p = path("properties.rack");
  const held = [
    vm("a1", "a", "web", "2026-12-06T10:00:01Z"),
    vm("a2", "a", "web", "2026-12-06T10:00:02Z"),
    vm("a3", "a", "web", "2026-12-06T10:00:03Z"),
    vm("b1", "b", "web", "2026-12-06T10:00:01Z"),
    vm("x1", "c", "db", "2026-12-06T10:00:01Z"),
  ];
  const members = groupMembers(held, "web", p);

  it("counts only the group's VMs, oldest claim first", () => {
    expect([...members].map(([d, l]) => [d, l.map((n) => n.uuid)])).toEqual([
      ["a", ["a1", "a2", "a3"]],
      ["b", ["b1"]],
    ]);
  });

  it("preferred: the claims beyond the emptiest free domain's count + 1 give up theirs", () => {
    const free = new Set(["b", "c"]); // c has free servers and no VM of the group
    expect(surplus(held[0]!, members, free, p, false)).toBe(false); // first in a
    expect(surplus(held[1]!, members, free, p, false)).toBe(true);
    expect(surplus(held[2]!, members, free, p, false)).toBe(true);
    // no other domain with a free server: everyone stays
    expect(surplus(held[2]!, members, new Set(["a"]), p, false)).toBe(false);
  });

  it("required: a claim stays only alone in its domain (claim order cannot tell who looked first)", () => {
    expect(surplus(held[0]!, members, new Set(), p, true)).toBe(true);
    expect(surplus(held[1]!, members, new Set(), p, true)).toBe(true);
    expect(surplus(held[3]!, members, new Set(), p, true)).toBe(false);
  });
});

describe("the fleet per failure domain", () => {
  it("counts free, held, unhealthy and other servers; servers without a domain together", () => {
    const p = path("properties.rack");
    const node = (uuid: string, rack: string | undefined, more: object) => ({
      uuid,
      properties: rack ? { rack } : {},
      provision_state: "available",
      ...more,
    });
    expect(
      fleetByDomain(
        [
          node("1", "a", {}),
          node("2", "a", { instance_uuid: "vm" }),
          node("3", "a", { maintenance: true }),
          node("4", "b", { fault: "power failure" }),
          node("5", "b", { retired: true, provision_state: "manageable" }),
          node("6", "b", { provision_state: "manageable" }),
          node("7", undefined, {}),
        ],
        p,
      ),
    ).toEqual({
      a: { free: 1, held: 1, unhealthy: 1, other: 0 },
      b: { free: 0, held: 0, unhealthy: 2, other: 1 },
      "(no domain)": { free: 1, held: 0, unhealthy: 0, other: 0 },
    });
  });
});
