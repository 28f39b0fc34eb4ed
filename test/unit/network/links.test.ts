import { describe, expect, test } from "vitest";
import type { Networks } from "../../../src/protocol/shapes.ts";
import { build, fails, mac, manual, ports } from "./build.ts";

describe("bonds and VLANs", () => {
  const bond = { macs: [mac(2), mac(1)], mode: "active-backup", miimon: 100 };

  test("a bond: phy members, a bond link with the first member's MAC, every link with an MTU (1500 unless set); the agent gets that MAC", () => {
    const { agent, nd } = build({ a: manual("10.0.0.2", { cloud_properties: { bond } }) }, ports(1, 2), {
      unused_nics: "ignore",
    });
    expect(agent.a!.mac).toBe(mac(2));
    expect(nd.links).toEqual([
      { id: "nic-525400000001", type: "phy", ethernet_mac_address: mac(1), mtu: 1500 },
      { id: "nic-525400000002", type: "phy", ethernet_mac_address: mac(2), mtu: 1500 },
      {
        id: "bond-525400000002",
        type: "bond",
        bond_links: ["nic-525400000002", "nic-525400000001"],
        bond_mode: "active-backup",
        bond_miimon: 100,
        ethernet_mac_address: mac(2),
        mtu: 1500,
      },
    ]);
    expect(nd.networks[0]!.link).toBe("bond-525400000002");
  });

  test("untagged + VLAN networks share one bond; MTUs land on the right links", () => {
    const { nd, agent } = build(
      {
        a: manual("10.0.0.2", { cloud_properties: { bond, mtu: 9000 } }),
        b: manual("10.0.1.2", {
          cloud_properties: { bond: { ...bond, macs: [mac(2), mac(1)] }, vlan: 300, mtu: 1500 },
        }),
      },
      ports(1, 2, 3),
    );
    const byId = Object.fromEntries(nd.links.map((l) => [l.id, l]));
    expect(byId["bond-525400000002"]).toMatchObject({ type: "bond", mtu: 9000 });
    expect(byId["nic-525400000001"]).toMatchObject({ mtu: 9000 });
    expect(byId["nic-525400000002"]).toMatchObject({ mtu: 9000 });
    expect(byId["bond-525400000002.300"]).toEqual({
      id: "bond-525400000002.300",
      type: "vlan",
      vlan_link: "bond-525400000002",
      vlan_id: 300,
      vlan_mac_address: mac(2),
      mtu: 1500,
    });
    expect(nd.networks.map((n) => [n.id, n.link])).toEqual([
      ["a", "bond-525400000002"],
      ["b", "bond-525400000002.300"],
      ["52-54-00-00-00-03", "nic-525400000003"],
    ]);
    expect(agent.b!.mac).toBe(mac(2));
  });

  test("VLAN on a plain NIC shared with an untagged network; parent takes the VLAN's larger MTU", () => {
    const { nd } = build(
      {
        a: manual("10.0.0.2", { cloud_properties: { mac: mac(1) } }),
        b: manual("10.0.1.2", { cloud_properties: { mac: mac(1), vlan: 12, mtu: 9000 } }),
      },
      ports(1),
    );
    expect(nd.links).toEqual([
      { id: "nic-525400000001", type: "phy", ethernet_mac_address: mac(1), mtu: 9000 },
      {
        id: "nic-525400000001.12",
        type: "vlan",
        vlan_link: "nic-525400000001",
        vlan_id: 12,
        vlan_mac_address: mac(1),
        mtu: 9000,
      },
    ]);
  });

  test("an unpinned network with a VLAN tags its own free NIC", () => {
    const { nd } = build({ a: manual("10.0.0.2", { cloud_properties: { vlan: 5 } }) }, ports(1));
    expect(nd.networks[0]!.link).toBe("nic-525400000001.5");
  });

  test.each([
    [
      "a VLAN MTU above its parent's own",
      {
        a: manual("10.0.0.2", { cloud_properties: { mac: mac(1), mtu: 1500 } }),
        b: manual("10.0.1.2", { cloud_properties: { mac: mac(1), vlan: 2, mtu: 9000 } }),
      },
    ],
    [
      "two MTUs on one link",
      {
        a: manual("10.0.0.2", { cloud_properties: { mac: mac(1), mtu: 1500 } }),
        b: manual("10.0.1.2", { cloud_properties: { mac: mac(1), mtu: 9000 } }),
      },
    ],
    [
      "one bond declared with two modes",
      {
        a: manual("10.0.0.2", { cloud_properties: { bond } }),
        b: manual("10.0.1.2", { cloud_properties: { bond: { ...bond, mode: "balance-rr" } } }),
      },
    ],
    [
      "overlapping bonds",
      {
        a: manual("10.0.0.2", { cloud_properties: { bond } }),
        b: manual("10.0.1.2", { cloud_properties: { bond: { macs: [mac(1), mac(3)], mode: "balance-rr" } } }),
      },
    ],
    [
      "a NIC pinned while it is a bond member",
      {
        a: manual("10.0.0.2", { cloud_properties: { bond } }),
        b: manual("10.0.1.2", { cloud_properties: { mac: mac(1) } }),
      },
    ],
  ])("conflict: %s", (_what, nets) => {
    const e = fails(() => build(nets as Networks, ports(1, 2, 3)));
    expect(e.code).toBe("NIC_CONFLICT");
    expect(e.message).toMatch(/'[ab]'/);
  });

  test("a bond member the server does not own", () => {
    const e = fails(() =>
      build(
        { a: manual("10.0.0.2", { cloud_properties: { bond: { macs: [mac(1), mac(7)], mode: "balance-rr" } } }) },
        ports(1, 2),
      ),
    );
    expect(e.code).toBe("MAC_NOT_OWNED");
    expect(e.message).toContain(mac(7));
  });

  test("layer 2 does not depend on the order networks are listed in", () => {
    const a = manual("10.0.0.2", { cloud_properties: { bond, vlan: 10 } });
    const b = manual("10.0.1.2", { cloud_properties: { bond, vlan: 20 } });
    const c = manual("10.0.2.2", { cloud_properties: { mac: mac(3), vlan: 30 } });
    const one = build({ a, b, c }, ports(1, 2, 3)).nd.links;
    const two = build({ c, b, a }, ports(3, 1, 2)).nd.links;
    expect(two).toEqual(one);
  });
});
