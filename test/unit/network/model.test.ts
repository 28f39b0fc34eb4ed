import { describe, expect, test } from "vitest";
import type { Networks } from "../../../src/protocol/shapes.ts";
import { build, fails, mac, manual, ports } from "./build.ts";

describe("addresses", () => {
  test("IPv6: prefix from the netmask, not from BOSH `prefix` (the size of the VM's own block)", () => {
    const v6 = {
      type: "manual" as const,
      ip: "2001:DB8:0:0::10",
      netmask: "ffff:ffff:ffff:ffff::",
      prefix: "128",
      gateway: "2001:db8::1",
      default: ["gateway"],
      cloud_properties: {},
    };
    const { nd } = build({ v6 }, ports(1), { unused_nics: "ignore" });
    expect(nd.networks[0]).toEqual({
      id: "v6",
      type: "ipv6",
      link: "nic-525400000001",
      network_id: "v6",
      ip_address: "2001:db8::10",
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
    expect(model.warnings).toEqual([
      "network 'a': gateway 10.9.9.1 is outside 10.0.0.0/24; using it as an on-link gateway",
    ]);
    expect(nd.networks[0]!.routes).toEqual([{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.9.9.1" }]);
  });

  test("only the gateway default network gets a default route", () => {
    const { nd } = build(
      {
        a: manual("10.0.0.2", { gateway: "10.0.0.1" }),
        b: manual("10.0.1.2", { gateway: "10.0.1.1", default: ["gateway", "dns"] }),
      },
      ports(1, 2),
    );
    expect(nd.networks.find((n) => n.id === "a")!.routes).toEqual([]);
    expect(nd.networks.find((n) => n.id === "b")!.routes).toEqual([
      { network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.0.1.1" },
    ]);
  });

  test("cloud_properties.routes: rendered for network_data and the agent; checked", () => {
    const routes = [{ destination: "10.20.0.0/16", gateway: "10.0.0.254" }];
    const { nd, agent } = build({ a: manual("10.0.0.2", { cloud_properties: { routes } }) }, ports(1));
    expect(nd.networks[0]!.routes).toEqual([{ network: "10.20.0.0", netmask: "255.255.0.0", gateway: "10.0.0.254" }]);
    expect(agent.a!.routes).toEqual([{ Destination: "10.20.0.0", Gateway: "10.0.0.254", Netmask: "255.255.0.0" }]);
    const bad = (r: unknown, extra = {}) =>
      fails(() => build({ a: { ...manual("10.0.0.2", { cloud_properties: { routes: [r] } }), ...extra } }, ports(1)));
    expect(bad({ destination: "10.20.0.1/16", gateway: "10.0.0.254" }).message).toMatch(/host bits set/);
    expect(bad({ destination: "2001:db8::/32", gateway: "10.0.0.254" }).message).toMatch(/mixes address families/);
    expect(bad({ destination: "10.20.0.0/33", gateway: "10.0.0.254" }).message).toMatch(/not a CIDR/);
    expect(
      bad({ destination: "10.20.0.0/16", gateway: "10.0.0.254" }, { type: "dynamic", ip: undefined }).message,
    ).toMatch(/need a manual/);
  });
});

describe("network types, vip, DNS, defaults", () => {
  test("dynamic -> use_dhcp true + ipv4_dhcp; manual -> use_dhcp false; a missing type is inferred", () => {
    const { agent, nd } = build(
      {
        d: { type: "dynamic", cloud_properties: {} },
        m: manual("10.0.0.2"),
        n: { ip: "10.0.1.2", netmask: "255.255.255.0" },
      },
      ports(1, 2, 3),
    );
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
    const spec = {
      ...manual("10.0.0.2"),
      prefix: "32",
      dns: ["10.0.0.53"],
      default: ["dns", "gateway"],
      gateway: "10.0.0.1",
      use_dhcp: true,
      preconfigured: false,
      alias: "x",
      cloud_properties: { mtu: 1500 },
    };
    const { agent } = build({ a: spec }, ports(1));
    expect(agent.a).toEqual({ ...spec, mac: mac(1), use_dhcp: false });
  });

  test("network.default_dns fills the dns default network only", () => {
    const { agent, nd } = build(
      { a: manual("10.0.0.2", { default: ["dns", "gateway"] }), b: manual("10.0.1.2") },
      ports(1, 2),
      { default_dns: ["9.9.9.9"] },
    );
    expect(agent.a!.dns).toEqual(["9.9.9.9"]);
    expect(agent.b!.dns).toBeUndefined();
    expect(nd.services).toEqual([{ type: "dns", address: "9.9.9.9" }]);
    const own = build({ a: manual("10.0.0.2", { default: ["dns"], dns: ["10.0.0.53"] }) }, ports(1), {
      default_dns: ["9.9.9.9"],
    });
    expect(own.agent.a!.dns).toEqual(["10.0.0.53"]);
    expect(own.nd.services).toEqual([{ type: "dns", address: "10.0.0.53" }]);
  });

  test("a single network without `default` is made explicit, so spare-NIC entries do not change the agent's pick", () => {
    const { agent, nd } = build({ a: manual("10.0.0.2", { gateway: "10.0.0.1" }) }, ports(1, 2), {
      default_dns: ["9.9.9.9"],
    });
    expect(agent.a!.default).toEqual(["dns", "gateway"]);
    expect(agent.a!.dns).toEqual(["9.9.9.9"]);
    expect(nd.networks[0]!.routes).toEqual([{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.0.0.1" }]);
    const two = build({ a: manual("10.0.0.2"), b: manual("10.0.1.2") }, ports(1, 2));
    expect(two.agent.a!.default).toBeUndefined();
  });

  test("unknown cloud_properties key names the network and the key", () => {
    const e = fails(() =>
      build(
        {
          storage: manual("10.0.0.2", {
            cloud_properties: { vlan: 3, vlna: 4, bond: { macs: [mac(1), mac(2)], mode: "balance-rr", speed: 1 } },
          }),
        },
        ports(1, 2),
      ),
    );
    expect(e.code).toBe("INVALID_CLOUD_PROPERTIES");
    expect(e.message).toMatch(/^network 'storage': /);
    expect(e.message).toContain("cloud_properties.vlna: unknown key");
    expect(e.message).toContain("cloud_properties.bond.speed: unknown key");
  });
});
