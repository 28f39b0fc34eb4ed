import { describe, expect, test } from "vitest";
import { build, fails, mac, manual, ports } from "./build.ts";

describe("spare NICs", () => {
  test("loopback (default): static 127.0.0.100, .101 … in both outputs, named after the MAC", () => {
    const { agent, nd } = build({ a: manual("10.0.0.2") }, ports(1, 2, 3));
    expect(agent["52-54-00-00-00-02"]).toEqual({
      type: "manual",
      ip: "127.0.0.100",
      netmask: "255.255.255.0",
      mac: mac(2),
      use_dhcp: false,
    });
    expect(agent["52-54-00-00-00-03"]).toMatchObject({ ip: "127.0.0.101", mac: mac(3) });
    expect(nd.networks.slice(1)).toEqual([
      {
        id: "52-54-00-00-00-02",
        type: "ipv4",
        link: "nic-525400000002",
        network_id: "52-54-00-00-00-02",
        ip_address: "127.0.0.100",
        netmask: "255.255.255.0",
        routes: [],
      },
      {
        id: "52-54-00-00-00-03",
        type: "ipv4",
        link: "nic-525400000003",
        network_id: "52-54-00-00-00-03",
        ip_address: "127.0.0.101",
        netmask: "255.255.255.0",
        routes: [],
      },
    ]);
  });

  test("loopback base and prefix come from config; running out of the range is a config error", () => {
    const { agent } = build({ a: manual("10.0.0.2") }, ports(1, 2), {
      loopback_base: "127.1.0.5",
      loopback_prefix: 16,
    });
    expect(agent["52-54-00-00-00-02"]).toMatchObject({ ip: "127.1.0.5", netmask: "255.255.0.0" });
    const e = fails(() =>
      build({ a: manual("10.0.0.2") }, ports(1, 2, 3), { loopback_base: "127.0.0.255", loopback_prefix: 24 }),
    );
    expect(e.code).toBe("CONFIG");
    expect(e.message).toContain(mac(3));
  });

  test("dhcp: dynamic agent entries and ipv4_dhcp networks", () => {
    const { agent, nd } = build({ a: manual("10.0.0.2") }, ports(1, 2), { unused_nics: "dhcp" });
    expect(agent["52-54-00-00-00-02"]).toEqual({ type: "dynamic", mac: mac(2), use_dhcp: true });
    expect(nd.networks[1]).toEqual({
      id: "52-54-00-00-00-02",
      type: "ipv4_dhcp",
      link: "nic-525400000002",
      network_id: "52-54-00-00-00-02",
    });
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
