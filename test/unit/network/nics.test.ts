import { describe, expect, test } from "vitest";
import type { Port } from "../../../src/network/index.ts";
import { build, fails, mac, manual, ports } from "./build.ts";

describe("NIC order and assignment", () => {
  test("the PXE port comes first, then MAC order, whatever order Ironic lists ports in", () => {
    const p: Port[] = [
      { address: mac(3) },
      { address: mac(9), pxe_enabled: true },
      { address: mac(1), pxe_enabled: false },
    ];
    const nets = { a: manual("10.0.0.2"), b: manual("10.0.1.2"), c: manual("10.0.2.2") };
    const { agent } = build(nets, p);
    expect([agent.a!.mac, agent.b!.mac, agent.c!.mac]).toEqual([mac(9), mac(1), mac(3)]);
    for (const perm of [
      [p[2]!, p[0]!, p[1]!],
      [p[1]!, p[2]!, p[0]!],
    ])
      expect(build(nets, perm).agent).toEqual(agent);
  });

  test("MACs are lower-cased from Ironic ports and from pins", () => {
    const { agent } = build({ a: manual("10.0.0.2", { cloud_properties: { mac: "52:54:00:00:00:0A" } }) }, [
      { address: "52:54:00:00:00:0A" },
    ]);
    expect(agent.a!.mac).toBe("52:54:00:00:00:0a");
  });

  test("the provisioning network takes the first free NIC even when listed last", () => {
    const { agent } = build(
      { a: manual("10.0.0.2"), prov: manual("10.0.1.2") },
      [{ address: mac(1), pxe_enabled: true }, { address: mac(2) }],
      {},
      "prov",
    );
    expect(agent.prov!.mac).toBe(mac(1));
    expect(agent.a!.mac).toBe(mac(2));
  });

  test("pinned NICs are taken out before unpinned networks pick", () => {
    const { agent } = build(
      { a: manual("10.0.0.2"), b: manual("10.0.1.2", { cloud_properties: { mac: mac(1) } }) },
      ports(1, 2),
    );
    expect(agent.b!.mac).toBe(mac(1));
    expect(agent.a!.mac).toBe(mac(2));
  });

  test("a `mac` key on the network itself pins like cloud_properties.mac (2016 CPI)", () => {
    const { agent } = build(
      { a: manual("10.0.0.2"), b: manual("10.0.1.2", { mac: mac(1).toUpperCase() }) },
      ports(1, 2),
    );
    expect(agent.b!.mac).toBe(mac(1));
    expect(agent.a!.mac).toBe(mac(2));
  });

  test("a pinned MAC the server does not own names the network and the MAC", () => {
    const e = fails(() =>
      build({ web: manual("10.0.0.2", { cloud_properties: { mac: "aa:bb:cc:dd:ee:ff" } }) }, ports(1)),
    );
    expect(e.code).toBe("MAC_NOT_OWNED");
    expect(e.message).toContain("'web'");
    expect(e.message).toContain("aa:bb:cc:dd:ee:ff");
    expect(e.details).toEqual({ network: "web", mac: "aa:bb:cc:dd:ee:ff" });
  });

  test("cloud_properties.macs (2016 CPI): first free NIC of this server in the list", () => {
    const cp = { macs: ["aa:aa:aa:aa:aa:aa", mac(3), mac(2)] };
    const { agent } = build(
      { a: manual("10.0.0.2", { cloud_properties: cp }), b: manual("10.0.1.2", { cloud_properties: cp }) },
      ports(1, 2, 3),
    );
    expect([agent.a!.mac, agent.b!.mac]).toEqual([mac(2), mac(3)]);
    expect(
      fails(() => build({ a: manual("10.0.0.2", { cloud_properties: { macs: ["aa:aa:aa:aa:aa:aa"] } }) }, ports(1)))
        .code,
    ).toBe("MAC_NOT_OWNED");
    const taken = fails(() =>
      build(
        {
          a: manual("10.0.0.2", { cloud_properties: { mac: mac(1) } }),
          b: manual("10.0.1.2", { cloud_properties: { macs: [mac(1)] } }),
        },
        ports(1, 2),
      ),
    );
    expect(taken.code).toBe("NIC_CONFLICT");
    expect(taken.message).toContain("'b'");
  });

  test("more unpinned networks than free NICs is a clear error", () => {
    const e = fails(() =>
      build(
        { a: manual("10.0.0.2"), b: manual("10.0.1.2"), c: manual("10.0.2.2", { cloud_properties: { mac: mac(1) } }) },
        ports(1, 2),
      ),
    );
    expect(e.code).toBe("TOO_FEW_NICS");
    expect(e.message).toMatch(
      /2 unpinned network\(s\) need a NIC each \(a, b\) but this server has 1 free NIC\(s\) \(52:54:00:00:00:02\)/,
    );
  });

  test("networks in one nic_group share a NIC (dual-stack)", () => {
    const v6 = {
      type: "manual" as const,
      ip: "2001:db8::5",
      netmask: "ffff:ffff:ffff:ffff::",
      nic_group: 7,
      cloud_properties: {},
    };
    const { agent, nd } = build(
      { v4: manual("10.0.0.2", { nic_group: 7 }), v6, other: manual("10.0.1.2") },
      ports(1, 2),
    );
    expect(agent.v4!.mac).toBe(mac(1));
    expect(agent.v6!.mac).toBe(mac(1));
    expect(agent.other!.mac).toBe(mac(2));
    expect(nd.networks.filter((n) => n.link === "nic-525400000001").map((n) => n.id)).toEqual(["v4", "v6"]);
  });

  test("an unpinned nic_group member joins its pinned member's NIC", () => {
    const { agent, nd, warnings } = build(
      {
        a: manual("10.0.0.2", { nic_group: "g", cloud_properties: { mac: mac(2) } }),
        b: manual("10.0.1.2", { nic_group: "g" }),
      },
      ports(1, 2),
    );
    expect(agent.b!.mac).toBe(mac(2));
    // two networks on one of two NICs: the spare NIC's entry would make 3 settings for 2 NICs, which stops
    // bosh-agent before v2.720; it stays in network_data.json
    expect(agent["52-54-00-00-00-01"]).toBeUndefined();
    expect(nd.links.map((l) => l.id)).toContain("nic-525400000001");
    expect(warnings.join("\n")).toMatch(
      /networks a, b share NIC 52:54:00:00:00:02: bosh-agent before v2.720 applies only one of them/,
    );
    expect(warnings.join("\n")).toMatch(/unused NICs 52:54:00:00:00:01 get no entry in the agent settings/);
  });

  test("a port address that is not a MAC is rejected", () => {
    expect(fails(() => build({ a: manual("10.0.0.2") }, [{ address: "not-a-mac", uuid: "p1" }])).code).toBe(
      "INVALID_PORT",
    );
  });
});
