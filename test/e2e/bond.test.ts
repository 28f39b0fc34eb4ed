// Bonded and VLAN networks for real (server-02, two NICs): an active-backup bond of both NICs carries one
// manual network, and VLAN 200 on the bond another. No bosh-agent makes bonds or VLANs: the CPI marks the
// networks preconfigured and the stemcell brings them up from the config drive's network_data.json; the
// deploy ramdisk gets its address over the same bond (the node's network_data). The agent must answer over
// the bond, the VLAN address must answer tagged ARP, and both again with the bond's first NIC unplugged.
import { execFileSync, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IronicRest } from "../support/ironic-rest.ts";
import { type MbusCredentials, agentCall, mbusCredentials } from "./agent.ts";
import { bed, byId, disk, manualNetwork, server } from "./context.ts";
import { type Installation, bedProperties, install, ok } from "./cpi.ts";
import { unpackStemcell } from "./stemcell.ts";

const S = server("bond");
const rest = new IronicRest(bed().ironicUrl);
const IP = `${bed().subnet}.70`;
const VLAN = 200;
const VLAN_IP = "10.253.200.70";
const auth = () => `Basic ${Buffer.from(`${bed().webdav.username}:${bed().webdav.password}`).toString("base64")}`;

let creds: MbusCredentials;
let cpi: Installation;
let stemcell: string;
let vm: string;

const bond = { macs: S.macs, mode: "active-backup", miimon: 100 };
const networks = () => ({
  default: manualNetwork(IP, { bond }),
  storage: manualNetwork(VLAN_IP, { bond, vlan: VLAN }, null),
});
const vmType = {
  resource_class: "e2e-bond",
  root_device: { serial: disk(S, "root").serial },
  ephemeral_disk: byId(disk(S, "ephemeral").serial),
  provisioning_network: "default",
};

/**
 * Pulls a NIC's cable as the guest sees it (QEMU's link state: the guest's driver loses carrier, which the bond's
 * miimon watches); the host side of a tap going down would leave the guest's link up and the bond on it.
 */
function setLink(mac: string, state: "up" | "down"): void {
  execFileSync("virsh", ["-q", "-c", bed().libvirtUri, "domif-setlink", S.domain, mac, state], { timeout: 60_000 });
}

/**
 * ARP for the VM's VLAN address, tagged, from the bridge (this host's kernel has no 802.1Q devices: the frame
 * is made and read with a packet socket). Answers the MAC that replied on the VLAN, or the failure.
 */
function vlanArp(): { ok: boolean; out: string } {
  const script = `
import socket, struct, sys, time
dev, vid, src_ip, dst_ip = sys.argv[1], int(sys.argv[2]), socket.inet_aton(sys.argv[3]), socket.inet_aton(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((dev, 0))
s.setsockopt(263, 8, 1)
me = bytes.fromhex(open(f"/sys/class/net/{dev}/address").read().strip().replace(":", ""))
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, me, src_ip, b"\\0" * 6, dst_ip)
frame = b"\\xff" * 6 + me + struct.pack("!HHH", 0x8100, vid, 0x0806) + arp
s.settimeout(1)
for _ in range(15):
    s.send(frame)
    end = time.time() + 1
    while time.time() < end:
        try:
            data, anc, _, _ = s.recvmsg(2048, 64)
        except socket.timeout:
            break
        tci = next((struct.unpack("IIIHHHH", d[:20])[5] for l, t, d in anc if (l, t) == (263, 8)), None)
        if data[12:14] == b"\\x81\\x00":
            tci, data = struct.unpack("!H", data[14:16])[0], data[:12] + data[16:]
        if tci is not None and tci & 0xFFF == vid and data[12:14] == b"\\x08\\x06" and data[20:22] == b"\\x00\\x02" and data[28:32] == dst_ip:
            print(data[22:28].hex(":"))
            sys.exit(0)
sys.exit(f"no ARP reply for {sys.argv[4]} on VLAN {vid} within 15 s")
`;
  const r = spawnSync("python3", ["-c", script, bed().bridge, String(VLAN), "10.253.200.1", VLAN_IP], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

const context = () => `--- console of ${S.name} ---\n${readFileSync(S.consoleFile, "latin1").slice(-6000)}`;

beforeAll(async () => {
  creds = mbusCredentials(IP);
  const folder = `e2e-bond-${randomUUID().slice(0, 6)}`;
  const res = await fetch(`${bed().webdav.url}${folder}/`, { method: "MKCOL", headers: { authorization: auth() } });
  expect(res.status).toBe(201);
  cpi = install(bedProperties({ mbusPassword: creds.password, storeFolder: folder }));
  const st = unpackStemcell(bed().stemcells.raw);
  stemcell = ok<string>(await cpi.call("create_stemcell", [st.image, st.cloudProperties]), "create_stemcell");
});

afterAll(async () => {
  // the first NIC back, whatever happened
  try {
    setLink(S.macs[0]!, "up");
  } catch {
    /* the bed is going anyway */
  }
});

describe("a bond of two NICs with a VLAN on it", () => {
  it("create_vm deploys over the bond; the agent answers over it, the VLAN address answers tagged ARP", async () => {
    const a = await cpi.call("create_vm", [
      randomUUID(),
      stemcell,
      vmType,
      networks(),
      [],
      { bosh: { mbus: { cert: creds.cert } } },
    ]);
    if (a.code !== 0) throw new Error(`create_vm: ${a.error?.message}\n${context()}`);
    vm = a.result as string;
    expect((await rest.vmNode(vm)).uuid).toBe(S.node);
    const ping = await agentCall(IP, creds, "ping", [], { wait: 1800 });
    if (ping.code !== 0) throw new Error(`no pong over the bond: ${ping.stderr}\n${context()}`);
    expect(ping.result).toBe("pong");
    const arp = vlanArp();
    expect(arp.ok, arp.out).toBe(true);
    // the bond answers with its first member's MAC (active-backup, fail_over_mac none)
    expect(arp.out).toBe(S.macs[0]);
  });

  it("with the bond's first NIC unplugged, both answer through the second", async () => {
    setLink(S.macs[0]!, "down");
    const ping = await agentCall(IP, creds, "ping", [], { wait: 120 });
    expect(ping.result, ping.stderr).toBe("pong");
    const arp = vlanArp();
    expect(arp.ok, arp.out).toBe(true);
    // active-backup moved to the second NIC, which answers with the bond's MAC (fail_over_mac none)
    expect(arp.out).toBe(S.macs[0]);
    setLink(S.macs[0]!, "up");
  });

  it("delete_vm gives the server back", async () => {
    ok(await cpi.call("delete_vm", [vm]), "delete_vm");
    expect(await rest.node(S.node)).toMatchObject({ provision_state: "available", instance_uuid: null });
    ok(await cpi.call("delete_stemcell", [stemcell]), "delete_stemcell");
  });
});
