// network_data.json as cloud-init 22.4 understands it: `cloud-init devel net-convert` to netplan
// (parsed with `yaml`) and cloud-init's Python API through test/support/summarize_netdata.py.
// Node network_data (DHCP-less) is checked with Ironic's own JSON schema and validator code path
// (jsonschema + the network-data-schema.json of the installed Ironic). No servers; a missing tool
// fails the test.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { buildNetworkModel, nodeNetworkData, type NetworkData } from "../../src/network/index.ts";
import { prepareVmConfigDrive } from "../../src/services/vm/config-drive.ts";
import { driveCase } from "../fixtures/golden/cases.ts";
import { makeTempDir, READERS, removeTree, runOk } from "../support/iso-readers.ts";

const CLOUD_INIT = "/usr/bin/cloud-init";
const SUMMARIZE = fileURLToPath(new URL("../support/summarize_netdata.py", import.meta.url));
const IRONIC_VALIDATE = `
import json, os, sys, jsonschema, ironic
schema = json.load(open(os.path.join(os.path.dirname(ironic.__file__), "api/controllers/v1/network-data-schema.json")))
try:
    jsonschema.validate(json.load(open(sys.argv[1])), schema)  # what ironic.api validate_network_data does
    print("valid")
except jsonschema.ValidationError as e:
    print("invalid: " + e.message)
`;

let tmp = "";
beforeAll(() => {
  const missing = [CLOUD_INIT, READERS.python].filter((t) => !existsSync(t));
  if (missing.length)
    throw new Error(
      `missing ${missing.join(", ")}: run test/harness/install-system-deps.sh (cloud-init python3-ironic)`,
    );
  tmp = makeTempDir("netconvert-");
});
afterAll(() => removeTree(tmp));

function save(name: string, nd: NetworkData): string {
  const path = join(tmp, `${name}.json`);
  writeFileSync(path, JSON.stringify(nd));
  return path;
}

/** net-convert to netplan with NICs named eth0.. in port order; returns the parsed `network` key. */
function netplan(name: string, nd: NetworkData, macs: string[]): any {
  const out = join(tmp, `${name}-netplan`);
  const names = macs.flatMap((m, i) => ["-m", `eth${i},${m}`]);
  const r = spawnSync(CLOUD_INIT, [
    "devel",
    "net-convert",
    "-p",
    save(name, nd),
    "-k",
    "network_data.json",
    "-D",
    "ubuntu",
    "-O",
    "netplan",
    "-d",
    out,
    ...names,
  ]);
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  return parse(readFileSync(join(out, "etc/netplan/50-cloud-init.yaml"), "utf8")).network;
}

function summarize(name: string, nd: NetworkData): any {
  return JSON.parse(runOk(READERS.python, [SUMMARIZE, save(`${name}-summary`, nd)]).stdout.toString("utf8"));
}

function ironicSchema(name: string, nd: NetworkData): string {
  return runOk(READERS.python, ["-c", IRONIC_VALIDATE, save(`${name}-ironic`, nd)])
    .stdout.toString("utf8")
    .trim();
}

describe("bond + VLAN + MTU 9000 NIC + IPv6 + spare loopback NICs", () => {
  const c = driveCase("bond-vlan");
  const nd = prepareVmConfigDrive(c.input).networkData;
  const macs = c.input.ports.map((p) => p.address);

  test("netplan says what the manifest says", () => {
    const np = netplan("bond-vlan", nd, macs);
    expect(Object.keys(np.bonds)).toEqual(["bond0"]);
    const bond = np.bonds.bond0;
    expect(bond.interfaces).toEqual(["eth0", "eth1"]);
    expect(np.ethernets.eth0.match.macaddress).toBe("52:54:00:aa:00:01");
    expect(np.ethernets.eth1.match.macaddress).toBe("52:54:00:aa:00:02");
    expect(bond.parameters).toEqual({
      mode: "802.3ad",
      "mii-monitor-interval": 100,
      "transmit-hash-policy": "layer3+4",
      "lacp-rate": "fast",
    });
    expect(bond.macaddress).toBe("52:54:00:aa:00:01");
    expect(bond.mtu).toBe(9000);
    expect([np.ethernets.eth0.mtu, np.ethernets.eth1.mtu]).toEqual([9000, 9000]);
    // static IPv4 and the dual-stack IPv6 on the bond, with their routes
    expect(bond.addresses).toEqual(["10.0.0.10/24", "2001:db8::10/64"]);
    expect(bond.routes).toEqual([
      { to: "0.0.0.0/0", via: "10.0.0.1" },
      { to: "10.20.0.0/16", via: "10.0.0.254" },
      { to: "::/0", via: "2001:db8::1" },
    ]);
    expect(bond.nameservers.addresses).toEqual(["10.0.0.2", "10.0.0.3"]);
    // the VLAN rides the bond; the non-default network gets no default route
    expect(np.vlans).toEqual({
      "bond0.200": expect.objectContaining({ id: 200, link: "bond0", addresses: ["192.168.200.10/24"], mtu: 1500 }),
    });
    expect(np.vlans["bond0.200"].routes).toBeUndefined();
    // plain NIC with jumbo frames
    expect(np.ethernets.eth2).toMatchObject({
      match: { macaddress: "52:54:00:aa:00:03" },
      mtu: 9000,
      addresses: ["172.16.0.10/16"],
    });
    // spare NICs on the loopback range, no routes
    expect(np.ethernets.eth3).toMatchObject({
      match: { macaddress: "52:54:00:aa:00:04" },
      addresses: ["127.0.0.100/24"],
    });
    expect(np.ethernets.eth4).toMatchObject({
      match: { macaddress: "52:54:00:aa:00:05" },
      addresses: ["127.0.0.101/24"],
    });
    expect(np.ethernets.eth3.routes).toBeUndefined();
  });

  test("summarize_netdata.py: bond members by MAC, addresses, routes", () => {
    const s = summarize("bond-vlan", nd);
    const bond = s.interfaces.bond0;
    expect(bond.bond_mode).toBe("802.3ad");
    expect(new Set(bond.members.map((m: string) => s.interfaces[m].mac))).toEqual(
      new Set(["52:54:00:aa:00:01", "52:54:00:aa:00:02"]),
    );
    expect(bond.addresses).toEqual(["10.0.0.10/24", "2001:db8::10/64"]);
    expect(bond.routes).toEqual(["0.0.0.0/0 via 10.0.0.1", "10.20.0.0/16 via 10.0.0.254", "::/0 via 2001:db8::1"]);
    expect(s.interfaces["bond0.200"]).toMatchObject({
      type: "vlan",
      vlan_id: 200,
      vlan_link: "bond0",
      addresses: ["192.168.200.10/24"],
    });
    const byMac = (mac: string) => Object.values<any>(s.interfaces).find((i) => i.type === "physical" && i.mac === mac);
    expect(byMac("52:54:00:aa:00:03")).toMatchObject({ mtu: 9000, addresses: ["172.16.0.10/16"] });
    expect(byMac("52:54:00:aa:00:04").addresses).toEqual(["127.0.0.100/24"]);
    expect(s.dns).toEqual(["10.0.0.2", "10.0.0.3"]);
  });

  test("Ironic's schema rejects this document as node.network_data (bond_mode 802.3ad): nodeNetworkData never sends a bond", () => {
    expect(ironicSchema("bond-vlan", nd)).toMatch(/^invalid: .*'bond_mode': '802\.3ad'/s);
  });
});

describe("single network, spare on loopback", () => {
  const c = driveCase("single");
  const nd = prepareVmConfigDrive(c.input).networkData;

  test("netplan: static address and default route on the PXE NIC, spare on 127.0.0.100/24", () => {
    const np = netplan("single", nd, ["3c:fd:fe:aa:bb:01", "3c:fd:fe:aa:bb:02"]);
    expect(np.ethernets.eth0).toMatchObject({
      addresses: ["10.0.1.21/24"],
      routes: [{ to: "0.0.0.0/0", via: "10.0.1.1" }],
    });
    expect(np.ethernets.eth1).toMatchObject({ addresses: ["127.0.0.100/24"] });
    expect(np.bonds).toBeUndefined();
  });

  test("valid for Ironic's schema", () => {
    expect(ironicSchema("single", nd)).toBe("valid");
  });
});

describe("DHCP-less provisioning network, dynamic network, spare NICs on DHCP", () => {
  const c = driveCase("provisioning-dhcp-spares");
  const drive = prepareVmConfigDrive(c.input);

  test("netplan: dhcp4 for the dynamic network and the spares, static for the provisioning network", () => {
    const macs = ["b8:ce:f6:00:00:01", "b8:ce:f6:00:00:02", "b8:ce:f6:00:00:03", "b8:ce:f6:00:00:04"];
    const np = netplan("prov", drive.networkData, macs);
    expect(np.ethernets.eth0.dhcp4).toBe(true);
    expect(np.ethernets.eth1).toMatchObject({
      addresses: ["10.1.0.50/23"],
      routes: [{ to: "0.0.0.0/0", via: "10.1.0.1" }],
    });
    expect(np.ethernets.eth1.dhcp4).toBeUndefined();
    expect([np.ethernets.eth2.dhcp4, np.ethernets.eth3.dhcp4]).toEqual([true, true]);
  });

  test("node network_data: valid for Ironic, and what cloud-init makes of it is the provisioning NIC alone", () => {
    const node = drive.nodeNetworkData!;
    expect(ironicSchema("prov-node", node)).toBe("valid");
    const np = netplan("prov-node", node, ["b8:ce:f6:00:00:02"]);
    expect(Object.keys(np.ethernets)).toEqual(["eth0"]);
    expect(np.ethernets.eth0).toMatchObject({
      match: { macaddress: "b8:ce:f6:00:00:02" },
      addresses: ["10.1.0.50/23"],
    });
  });
});

test("node network_data over a VLAN on an active-backup bond: the first NIC with the VLAN, valid for Ironic, converted by cloud-init", () => {
  const bond = { macs: ["52:54:00:bb:00:01", "52:54:00:bb:00:02"], mode: "active-backup", miimon: 100 };
  const model = buildNetworkModel({
    networks: {
      prov: {
        type: "manual",
        ip: "10.3.0.9",
        netmask: "255.255.255.0",
        gateway: "10.3.0.1",
        default: ["dns", "gateway"],
        cloud_properties: { bond, vlan: 42 },
      },
    },
    ports: bond.macs.map((address) => ({ address })),
    policy: { unused_nics: "loopback", loopback_base: "127.0.0.100", loopback_prefix: 24, default_dns: ["10.3.0.2"] },
  });
  const node = nodeNetworkData(model, "prov");
  expect(ironicSchema("vlan-bond-node", node)).toBe("valid");
  const np = netplan("vlan-bond-node", node, bond.macs);
  expect(np.bonds).toBeUndefined();
  expect(np.ethernets.eth0).toMatchObject({ match: { macaddress: "52:54:00:bb:00:01" } });
  expect(Object.values<any>(np.vlans)).toEqual([
    expect.objectContaining({ id: 42, addresses: ["10.3.0.9/24"], routes: [{ to: "0.0.0.0/0", via: "10.3.0.1" }] }),
  ]);
});
