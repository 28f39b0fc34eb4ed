import { describe, expect, test } from "vitest";
import { agentNetworks, buildNetworkModel, networkData, NetworkModelError, type NetworkPolicy, type Port } from "../../../src/network/index.ts";
import type { Networks } from "../../../src/protocol/shapes.ts";

const POLICY: NetworkPolicy = { unused_nics: "loopback", loopback_base: "127.0.0.100", loopback_prefix: 24, default_dns: [] };
const mac = (n: number) => `52:54:00:00:00:${n.toString(16).padStart(2, "0")}`;
const ports = (...ns: number[]): Port[] => ns.map((n) => ({ address: mac(n) }));
const manual = (ip: string, extra: Record<string, unknown> = {}) => ({ type: "manual" as const, ip, netmask: "255.255.255.0", cloud_properties: {}, ...extra });

function build(networks: Networks, p: Port[], policy: Partial<NetworkPolicy> = {}, provisioningNetwork?: string) {
  const model = buildNetworkModel({ networks, ports: p, policy: { ...POLICY, ...policy }, ...(provisioningNetwork ? { provisioningNetwork } : {}) });
  return { model, agent: agentNetworks(model), nd: networkData(model) };
}

function fails(fn: () => unknown): NetworkModelError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NetworkModelError) return e;
    throw e;
  }
  throw new Error("expected a NetworkModelError");
}

describe("NIC order and assignment", () => {
  test("the PXE port comes first, then MAC order, whatever order Ironic lists ports in", () => {
    const p: Port[] = [{ address: mac(3) }, { address: mac(9), pxe_enabled: true }, { address: mac(1), pxe_enabled: false }];
    const nets = { a: manual("10.0.0.2"), b: manual("10.0.1.2"), c: manual("10.0.2.2") };
    const { agent } = build(nets, p);
    expect([agent.a!.mac, agent.b!.mac, agent.c!.mac]).toEqual([mac(9), mac(1), mac(3)]);
    for (const perm of [[p[2]!, p[0]!, p[1]!], [p[1]!, p[2]!, p[0]!]]) expect(build(nets, perm).agent).toEqual(agent);
  });

  test("MACs are lower-cased from Ironic ports and from pins", () => {
    const { agent } = build({ a: manual("10.0.0.2", { cloud_properties: { mac: "52:54:00:00:00:0A" } }) }, [{ address: "52:54:00:00:00:0A" }]);
    expect(agent.a!.mac).toBe("52:54:00:00:00:0a");
  });

  test("the provisioning network takes the first free NIC even when listed last", () => {
    const { agent } = build({ a: manual("10.0.0.2"), prov: manual("10.0.1.2") }, [{ address: mac(1), pxe_enabled: true }, { address: mac(2) }], {}, "prov");
    expect(agent.prov!.mac).toBe(mac(1));
    expect(agent.a!.mac).toBe(mac(2));
  });

  test("pinned NICs are taken out before unpinned networks pick", () => {
    const { agent } = build({ a: manual("10.0.0.2"), b: manual("10.0.1.2", { cloud_properties: { mac: mac(1) } }) }, ports(1, 2));
    expect(agent.b!.mac).toBe(mac(1));
    expect(agent.a!.mac).toBe(mac(2));
  });

  test("a `mac` key on the network itself pins like cloud_properties.mac (2016 CPI)", () => {
    const { agent } = build({ a: manual("10.0.0.2"), b: manual("10.0.1.2", { mac: mac(1).toUpperCase() }) }, ports(1, 2));
    expect(agent.b!.mac).toBe(mac(1));
    expect(agent.a!.mac).toBe(mac(2));
  });

  test("a pinned MAC the server does not own names the network and the MAC", () => {
    const e = fails(() => build({ web: manual("10.0.0.2", { cloud_properties: { mac: "aa:bb:cc:dd:ee:ff" } }) }, ports(1)));
    expect(e.code).toBe("MAC_NOT_OWNED");
    expect(e.message).toContain("'web'");
    expect(e.message).toContain("aa:bb:cc:dd:ee:ff");
    expect(e.details).toEqual({ network: "web", mac: "aa:bb:cc:dd:ee:ff" });
  });

  test("cloud_properties.macs (2016 CPI): first free NIC of this server in the list", () => {
    const cp = { macs: ["aa:aa:aa:aa:aa:aa", mac(3), mac(2)] };
    const { agent } = build({ a: manual("10.0.0.2", { cloud_properties: cp }), b: manual("10.0.1.2", { cloud_properties: cp }) }, ports(1, 2, 3));
    expect([agent.a!.mac, agent.b!.mac]).toEqual([mac(2), mac(3)]);
    expect(fails(() => build({ a: manual("10.0.0.2", { cloud_properties: { macs: ["aa:aa:aa:aa:aa:aa"] } }) }, ports(1))).code).toBe("MAC_NOT_OWNED");
    const taken = fails(() => build({ a: manual("10.0.0.2", { cloud_properties: { mac: mac(1) } }), b: manual("10.0.1.2", { cloud_properties: { macs: [mac(1)] } }) }, ports(1, 2)));
    expect(taken.code).toBe("NIC_CONFLICT");
    expect(taken.message).toContain("'b'");
  });

  test("more unpinned networks than free NICs is a clear error", () => {
    const e = fails(() => build({ a: manual("10.0.0.2"), b: manual("10.0.1.2"), c: manual("10.0.2.2", { cloud_properties: { mac: mac(1) } }) }, ports(1, 2)));
    expect(e.code).toBe("TOO_FEW_NICS");
    expect(e.message).toMatch(/2 unpinned network\(s\) need a NIC each \(a, b\) but this server has 1 free NIC\(s\) \(52:54:00:00:00:02\)/);
  });

  test("networks in one nic_group share a NIC (dual-stack)", () => {
    const v6 = { type: "manual" as const, ip: "2001:db8::5", netmask: "ffff:ffff:ffff:ffff::", nic_group: 7, cloud_properties: {} };
    const { agent, nd } = build({ v4: manual("10.0.0.2", { nic_group: 7 }), v6, other: manual("10.0.1.2") }, ports(1, 2));
    expect(agent.v4!.mac).toBe(mac(1));
    expect(agent.v6!.mac).toBe(mac(1));
    expect(agent.other!.mac).toBe(mac(2));
    expect(nd.networks.filter((n) => n.link === "nic-525400000001").map((n) => n.id)).toEqual(["v4", "v6"]);
  });

  test("an unpinned nic_group member joins its pinned member's NIC", () => {
    const { agent } = build({ a: manual("10.0.0.2", { nic_group: "g", cloud_properties: { mac: mac(2) } }), b: manual("10.0.1.2", { nic_group: "g" }) }, ports(1, 2));
    expect(agent.b!.mac).toBe(mac(2));
    expect(agent["52-54-00-00-00-01"]).toBeDefined();
  });

  test("a port address that is not a MAC is rejected", () => {
    expect(fails(() => build({ a: manual("10.0.0.2") }, [{ address: "not-a-mac", uuid: "p1" }])).code).toBe("INVALID_PORT");
  });
});

describe("bonds and VLANs", () => {
  const bond = { macs: [mac(2), mac(1)], mode: "active-backup", miimon: 100 };

  test("a bond: phy members, a bond link with the first member's MAC; the agent gets that MAC", () => {
    const { agent, nd } = build({ a: manual("10.0.0.2", { cloud_properties: { bond } }) }, ports(1, 2), { unused_nics: "ignore" });
    expect(agent.a!.mac).toBe(mac(2));
    expect(nd.links).toEqual([
      { id: "nic-525400000001", type: "phy", ethernet_mac_address: mac(1) },
      { id: "nic-525400000002", type: "phy", ethernet_mac_address: mac(2) },
      { id: "bond-525400000002", type: "bond", bond_links: ["nic-525400000002", "nic-525400000001"], bond_mode: "active-backup", bond_miimon: 100, ethernet_mac_address: mac(2) },
    ]);
    expect(nd.networks[0]!.link).toBe("bond-525400000002");
  });

  test("untagged + VLAN networks share one bond; MTUs land on the right links", () => {
    const { nd, agent } = build(
      {
        a: manual("10.0.0.2", { cloud_properties: { bond, mtu: 9000 } }),
        b: manual("10.0.1.2", { cloud_properties: { bond: { ...bond, macs: [mac(2), mac(1)] }, vlan: 300, mtu: 1500 } }),
      },
      ports(1, 2, 3),
    );
    const byId = Object.fromEntries(nd.links.map((l) => [l.id, l]));
    expect(byId["bond-525400000002"]).toMatchObject({ type: "bond", mtu: 9000 });
    expect(byId["nic-525400000001"]).toMatchObject({ mtu: 9000 });
    expect(byId["nic-525400000002"]).toMatchObject({ mtu: 9000 });
    expect(byId["bond-525400000002.300"]).toEqual({ id: "bond-525400000002.300", type: "vlan", vlan_link: "bond-525400000002", vlan_id: 300, vlan_mac_address: mac(2), mtu: 1500 });
    expect(nd.networks.map((n) => [n.id, n.link])).toEqual([
      ["a", "bond-525400000002"],
      ["b", "bond-525400000002.300"],
      ["52-54-00-00-00-03", "nic-525400000003"],
    ]);
    expect(agent.b!.mac).toBe(mac(2));
  });

  test("VLAN on a plain NIC shared with an untagged network; parent takes the VLAN's larger MTU", () => {
    const { nd } = build(
      { a: manual("10.0.0.2", { cloud_properties: { mac: mac(1) } }), b: manual("10.0.1.2", { cloud_properties: { mac: mac(1), vlan: 12, mtu: 9000 } }) },
      ports(1),
    );
    expect(nd.links).toEqual([
      { id: "nic-525400000001", type: "phy", ethernet_mac_address: mac(1), mtu: 9000 },
      { id: "nic-525400000001.12", type: "vlan", vlan_link: "nic-525400000001", vlan_id: 12, vlan_mac_address: mac(1), mtu: 9000 },
    ]);
  });

  test("an unpinned network with a VLAN tags its own free NIC", () => {
    const { nd } = build({ a: manual("10.0.0.2", { cloud_properties: { vlan: 5 } }) }, ports(1));
    expect(nd.networks[0]!.link).toBe("nic-525400000001.5");
  });

  test.each([
    ["a VLAN MTU above its parent's own", { a: manual("10.0.0.2", { cloud_properties: { mac: mac(1), mtu: 1500 } }), b: manual("10.0.1.2", { cloud_properties: { mac: mac(1), vlan: 2, mtu: 9000 } }) }],
    ["two MTUs on one link", { a: manual("10.0.0.2", { cloud_properties: { mac: mac(1), mtu: 1500 } }), b: manual("10.0.1.2", { cloud_properties: { mac: mac(1), mtu: 9000 } }) }],
    ["one bond declared with two modes", { a: manual("10.0.0.2", { cloud_properties: { bond } }), b: manual("10.0.1.2", { cloud_properties: { bond: { ...bond, mode: "balance-rr" } } }) }],
    ["overlapping bonds", { a: manual("10.0.0.2", { cloud_properties: { bond } }), b: manual("10.0.1.2", { cloud_properties: { bond: { macs: [mac(1), mac(3)], mode: "balance-rr" } } }) }],
    ["a NIC pinned while it is a bond member", { a: manual("10.0.0.2", { cloud_properties: { bond } }), b: manual("10.0.1.2", { cloud_properties: { mac: mac(1) } }) }],
  ])("conflict: %s", (_what, nets) => {
    const e = fails(() => build(nets as Networks, ports(1, 2, 3)));
    expect(e.code).toBe("NIC_CONFLICT");
    expect(e.message).toMatch(/'[ab]'/);
  });

  test("a bond member the server does not own", () => {
    const e = fails(() => build({ a: manual("10.0.0.2", { cloud_properties: { bond: { macs: [mac(1), mac(7)], mode: "balance-rr" } } }) }, ports(1, 2)));
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

describe("addresses", () => {
  test("IPv6: prefix from the netmask, not from BOSH `prefix` (the size of the VM's own block)", () => {
    const v6 = { type: "manual" as const, ip: "2001:DB8:0:0::10", netmask: "ffff:ffff:ffff:ffff::", prefix: "128", gateway: "2001:db8::1", default: ["gateway"], cloud_properties: {} };
    const { nd } = build({ v6 }, ports(1), { unused_nics: "ignore" });
    expect(nd.networks[0]).toEqual({
      id: "v6", type: "ipv6", link: "nic-525400000001", network_id: "v6", ip_address: "2001:db8::10",
      netmask: "ffff:ffff:ffff:ffff:0000:0000:0000:0000",
      routes: [{ network: "::", netmask: "0000:0000:0000:0000:0000:0000:0000:0000", gateway: "2001:db8::1" }],
    });
  });

  test("BOSH `prefix` 32 on an IPv4 /24 keeps the /24", () => {
    const { nd } = build({ a: manual("10.0.1.21", { prefix: "32" }) }, ports(1));
    expect(nd.networks[0]!.netmask).toBe("255.255.255.0");
  });

  test.each([
    ["non-contiguous netmask", { netmask: "255.0.255.0" }, /netmask 255\.0\.255\.0 is not contiguous/],
    ["IPv6 gateway on IPv4", { gateway: "2001:db8::1" }, /gateway 2001:db8::1 is IPv6 but ip 10\.0\.0\.2 is IPv4/],
    ["IPv6 netmask on IPv4", { netmask: "ffff:ffff::" }, /netmask ffff:ffff:: is IPv6/],
    ["no netmask", { netmask: undefined }, /has no netmask/],
    ["gateway = ip", { gateway: "10.0.0.2" }, /own ip/],
  ])("%s is an error naming the network", (_w, over, message) => {
    const e = fails(() => build({ web: { ...manual("10.0.0.2"), ...over } as Networks[string] }, ports(1)));
    expect(e.code).toBe("INVALID_ADDRESS");
    expect(e.message).toMatch(/^network 'web': /);
    expect(e.message).toMatch(message);
  });

  test("a gateway outside the subnet is accepted, with a warning", () => {
    const { model, nd } = build({ a: manual("10.0.0.2", { gateway: "10.9.9.1", default: ["gateway"] }) }, ports(1));
    expect(model.warnings).toEqual(["network 'a': gateway 10.9.9.1 is outside 10.0.0.0/24; using it as an on-link gateway"]);
    expect(nd.networks[0]!.routes).toEqual([{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.9.9.1" }]);
  });

  test("only the gateway default network gets a default route", () => {
    const { nd } = build({ a: manual("10.0.0.2", { gateway: "10.0.0.1" }), b: manual("10.0.1.2", { gateway: "10.0.1.1", default: ["gateway", "dns"] }) }, ports(1, 2));
    expect(nd.networks.find((n) => n.id === "a")!.routes).toEqual([]);
    expect(nd.networks.find((n) => n.id === "b")!.routes).toEqual([{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.0.1.1" }]);
  });

  test("cloud_properties.routes: rendered for network_data and the agent; checked", () => {
    const routes = [{ destination: "10.20.0.0/16", gateway: "10.0.0.254" }];
    const { nd, agent } = build({ a: manual("10.0.0.2", { cloud_properties: { routes } }) }, ports(1));
    expect(nd.networks[0]!.routes).toEqual([{ network: "10.20.0.0", netmask: "255.255.0.0", gateway: "10.0.0.254" }]);
    expect(agent.a!.routes).toEqual([{ Destination: "10.20.0.0", Gateway: "10.0.0.254", Netmask: "255.255.0.0" }]);
    const bad = (r: unknown, extra = {}) => fails(() => build({ a: { ...manual("10.0.0.2", { cloud_properties: { routes: [r] } }), ...extra } }, ports(1)));
    expect(bad({ destination: "10.20.0.1/16", gateway: "10.0.0.254" }).message).toMatch(/host bits set/);
    expect(bad({ destination: "2001:db8::/32", gateway: "10.0.0.254" }).message).toMatch(/mixes address families/);
    expect(bad({ destination: "10.20.0.0/33", gateway: "10.0.0.254" }).message).toMatch(/not a CIDR/);
    expect(bad({ destination: "10.20.0.0/16", gateway: "10.0.0.254" }, { type: "dynamic", ip: undefined }).message).toMatch(/need a manual/);
  });
});

describe("network types, vip, DNS, defaults", () => {
  test("dynamic -> use_dhcp true + ipv4_dhcp; manual -> use_dhcp false; a missing type is inferred", () => {
    const { agent, nd } = build({ d: { type: "dynamic", cloud_properties: {} }, m: manual("10.0.0.2"), n: { ip: "10.0.1.2", netmask: "255.255.255.0" } }, ports(1, 2, 3));
    expect(agent.d).toMatchObject({ type: "dynamic", use_dhcp: true });
    expect(agent.m).toMatchObject({ type: "manual", use_dhcp: false });
    expect(agent.n).toMatchObject({ type: "manual", use_dhcp: false });
    expect(nd.networks.map((n) => n.type)).toEqual(["ipv4_dhcp", "ipv4", "ipv4"]);
  });

  test("a dynamic network whose last IP was IPv6 is ipv6_dhcp", () => {
    const { nd } = build({ d: { type: "dynamic", ip: "2001:db8::9" } }, ports(1));
    expect(nd.networks[0]).toEqual({ id: "d", type: "ipv6_dhcp", link: "nic-525400000001", network_id: "d" });
  });

  test("vip networks take no NIC, get no mac and stay exactly as given", () => {
    const vip = { type: "vip" as const, ip: "203.0.113.5", cloud_properties: { x: 1 } };
    const { agent, nd } = build({ public: vip, a: manual("10.0.0.2") }, ports(1));
    expect(agent.public).toEqual(vip);
    expect(agent.a!.mac).toBe(mac(1));
    expect(nd.networks.map((n) => n.id)).toEqual(["a"]);
  });

  test("every key the director sent is kept; use_dhcp is overridden", () => {
    const spec = { ...manual("10.0.0.2"), prefix: "32", dns: ["10.0.0.53"], default: ["dns", "gateway"], gateway: "10.0.0.1", use_dhcp: true, preconfigured: false, alias: "x", cloud_properties: { mtu: 1500 } };
    const { agent } = build({ a: spec }, ports(1));
    expect(agent.a).toEqual({ ...spec, mac: mac(1), use_dhcp: false });
  });

  test("network.default_dns fills the dns default network only", () => {
    const { agent, nd } = build({ a: manual("10.0.0.2", { default: ["dns", "gateway"] }), b: manual("10.0.1.2") }, ports(1, 2), { default_dns: ["9.9.9.9"] });
    expect(agent.a!.dns).toEqual(["9.9.9.9"]);
    expect(agent.b!.dns).toBeUndefined();
    expect(nd.services).toEqual([{ type: "dns", address: "9.9.9.9" }]);
    const own = build({ a: manual("10.0.0.2", { default: ["dns"], dns: ["10.0.0.53"] }) }, ports(1), { default_dns: ["9.9.9.9"] });
    expect(own.agent.a!.dns).toEqual(["10.0.0.53"]);
    expect(own.nd.services).toEqual([{ type: "dns", address: "10.0.0.53" }]);
  });

  test("a single network without `default` is made explicit, so spare-NIC entries do not change the agent's pick", () => {
    const { agent, nd } = build({ a: manual("10.0.0.2", { gateway: "10.0.0.1" }) }, ports(1, 2), { default_dns: ["9.9.9.9"] });
    expect(agent.a!.default).toEqual(["dns", "gateway"]);
    expect(agent.a!.dns).toEqual(["9.9.9.9"]);
    expect(nd.networks[0]!.routes).toEqual([{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.0.0.1" }]);
    const two = build({ a: manual("10.0.0.2"), b: manual("10.0.1.2") }, ports(1, 2));
    expect(two.agent.a!.default).toBeUndefined();
  });

  test("unknown cloud_properties key names the network and the key", () => {
    const e = fails(() => build({ storage: manual("10.0.0.2", { cloud_properties: { vlan: 3, vlna: 4, bond: { macs: [mac(1), mac(2)], mode: "balance-rr", speed: 1 } } }) }, ports(1, 2)));
    expect(e.code).toBe("INVALID_CLOUD_PROPERTIES");
    expect(e.message).toMatch(/^network 'storage': /);
    expect(e.message).toContain("cloud_properties.vlna: unknown key");
    expect(e.message).toContain("cloud_properties.bond.speed: unknown key");
  });
});

describe("spare NICs", () => {
  test("loopback (default): static 127.0.0.100, .101 … in both outputs, named after the MAC", () => {
    const { agent, nd } = build({ a: manual("10.0.0.2") }, ports(1, 2, 3));
    expect(agent["52-54-00-00-00-02"]).toEqual({ type: "manual", ip: "127.0.0.100", netmask: "255.255.255.0", mac: mac(2), use_dhcp: false });
    expect(agent["52-54-00-00-00-03"]).toMatchObject({ ip: "127.0.0.101", mac: mac(3) });
    expect(nd.networks.slice(1)).toEqual([
      { id: "52-54-00-00-00-02", type: "ipv4", link: "nic-525400000002", network_id: "52-54-00-00-00-02", ip_address: "127.0.0.100", netmask: "255.255.255.0", routes: [] },
      { id: "52-54-00-00-00-03", type: "ipv4", link: "nic-525400000003", network_id: "52-54-00-00-00-03", ip_address: "127.0.0.101", netmask: "255.255.255.0", routes: [] },
    ]);
  });

  test("loopback base and prefix come from config; running out of the range is a config error", () => {
    const { agent } = build({ a: manual("10.0.0.2") }, ports(1, 2), { loopback_base: "127.1.0.5", loopback_prefix: 16 });
    expect(agent["52-54-00-00-00-02"]).toMatchObject({ ip: "127.1.0.5", netmask: "255.255.0.0" });
    const e = fails(() => build({ a: manual("10.0.0.2") }, ports(1, 2, 3), { loopback_base: "127.0.0.255", loopback_prefix: 24 }));
    expect(e.code).toBe("CONFIG");
    expect(e.message).toContain(mac(3));
  });

  test("dhcp: dynamic agent entries and ipv4_dhcp networks", () => {
    const { agent, nd } = build({ a: manual("10.0.0.2") }, ports(1, 2), { unused_nics: "dhcp" });
    expect(agent["52-54-00-00-00-02"]).toEqual({ type: "dynamic", mac: mac(2), use_dhcp: true });
    expect(nd.networks[1]).toEqual({ id: "52-54-00-00-00-02", type: "ipv4_dhcp", link: "nic-525400000002", network_id: "52-54-00-00-00-02" });
  });

  test("ignore: spare NICs are in neither output", () => {
    const { agent, nd } = build({ a: manual("10.0.0.2") }, ports(1, 2), { unused_nics: "ignore" });
    expect(Object.keys(agent)).toEqual(["a"]);
    expect(nd.links.map((l) => l.id)).toEqual(["nic-525400000001"]);
    expect(nd.networks.map((n) => n.id)).toEqual(["a"]);
  });

  test("a BOSH network named like a spare NIC entry is a conflict", () => {
    expect(fails(() => build({ "52-54-00-00-00-02": manual("10.0.0.2") }, ports(1, 2))).code).toBe("NIC_CONFLICT");
  });
});
