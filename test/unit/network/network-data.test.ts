import { describe, expect, test } from "vitest";
import {
  buildNetworkModel,
  networkData,
  NetworkModelError,
  nodeNetworkData,
  type NetworkPolicy,
} from "../../../src/network/index.ts";
import type { Networks } from "../../../src/protocol/shapes.ts";

const POLICY: NetworkPolicy = {
  unused_nics: "loopback",
  loopback_base: "127.0.0.100",
  loopback_prefix: 24,
  default_dns: ["10.0.0.2"],
};
const ports = ["01", "02", "03"].map((x, i) => ({ address: `52:54:00:00:00:${x}`, pxe_enabled: i === 0 }));
const bond = (mode: string) => ({ macs: ["52:54:00:00:00:01", "52:54:00:00:00:02"], mode, miimon: 100 });
const model = (networks: Networks) => buildNetworkModel({ networks, ports, policy: POLICY });

const NETS: Networks = {
  prov: {
    type: "manual",
    ip: "10.0.0.10",
    netmask: "255.255.255.0",
    gateway: "10.0.0.1",
    default: ["dns", "gateway"],
    cloud_properties: { bond: bond("active-backup"), vlan: 100, mtu: 1500 },
  },
  other: {
    type: "manual",
    ip: "10.5.0.10",
    netmask: "255.255.255.0",
    cloud_properties: { bond: bond("active-backup") },
  },
  dyn: { type: "dynamic", cloud_properties: {} },
  public: { type: "vip", ip: "203.0.113.1" },
};

describe("network_data.json", () => {
  test("bond keys appear only when given; services come from the dns default network", () => {
    const nd = networkData(model(NETS));
    expect(nd.links.find((l) => l.type === "bond")).toEqual({
      id: "bond-525400000001",
      type: "bond",
      bond_links: ["nic-525400000001", "nic-525400000002"],
      bond_mode: "active-backup",
      bond_miimon: 100,
      ethernet_mac_address: "52:54:00:00:00:01",
      mtu: 1500,
    });
    expect(nd.services).toEqual([{ type: "dns", address: "10.0.0.2" }]);
    expect(nd.networks.map((n) => [n.id, n.type, n.link])).toEqual([
      ["prov", "ipv4", "bond-525400000001.100"],
      ["other", "ipv4", "bond-525400000001"],
      ["dyn", "ipv4_dhcp", "nic-525400000003"],
    ]);
  });

  test("the same input gives the same document", () => {
    expect(JSON.stringify(networkData(model(NETS)))).toBe(JSON.stringify(networkData(model(NETS))));
  });
});

describe("node network_data (DHCP-less deploy ramdisk)", () => {
  // IPA's ramdisks configure network_data with glean, one interface at a time: a bond there fails on its other
  // member's MAC and the ramdisk has no address at all (seen on the test bed). The ramdisk gets the bond's
  // first NIC; the deployed OS gets the bond from the config drive.
  test("a bond: the ramdisk gets its first NIC (with the network's VLAN on it), never the bond", () => {
    const nd = nodeNetworkData(model(NETS), "prov");
    expect(nd.links).toEqual([
      { id: "nic-525400000001", type: "phy", ethernet_mac_address: "52:54:00:00:00:01", mtu: 1500 },
      {
        id: "nic-525400000001.100",
        type: "vlan",
        vlan_link: "nic-525400000001",
        vlan_id: 100,
        vlan_mac_address: "52:54:00:00:00:01",
        mtu: 1500,
      },
    ]);
    expect(nd.networks).toEqual([
      {
        id: "prov",
        type: "ipv4",
        link: "nic-525400000001.100",
        network_id: "prov",
        ip_address: "10.0.0.10",
        netmask: "255.255.255.0",
        routes: [{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.0.0.1" }],
      },
    ]);
    expect(nd.services).toEqual([{ type: "dns", address: "10.0.0.2" }]);
  });

  test("a bond without a VLAN, in any mode (802.3ad too): the network sits on the first NIC", () => {
    const nd = nodeNetworkData(
      model({ other: { ...NETS.other!, cloud_properties: { bond: bond("802.3ad") } } }),
      "other",
    );
    expect(nd.links.map((l) => [l.id, l.type])).toEqual([["nic-525400000001", "phy"]]);
    expect(nd.networks[0]!.link).toBe("nic-525400000001");
  });

  const fails = (networks: Networks, name: string) => {
    try {
      nodeNetworkData(model(networks), name);
    } catch (e) {
      expect(e).toBeInstanceOf(NetworkModelError);
      return e as NetworkModelError;
    }
    throw new Error("expected an error");
  };

  test("a dynamic, vip, unknown or /32 network is refused with its name", () => {
    expect(fails(NETS, "dyn").message).toMatch(/'dyn': DHCP-less provisioning needs a manual/);
    expect(fails(NETS, "public")).toMatchObject({
      code: "UNKNOWN_NETWORK",
      message: "provisioning_network 'public': is a vip network",
    });
    expect(fails(NETS, "nope")).toMatchObject({
      code: "UNKNOWN_NETWORK",
      message: "provisioning_network 'nope': is not one of this VM's networks (prov, other, dyn, public)",
    });
    expect(fails({ p: { type: "manual", ip: "10.0.0.1", netmask: "255.255.255.255" } }, "p").message).toMatch(/\/32/);
  });
});
