// Every config drive this suite produces is read by bosh-agent's own code (`agent-settings`, bosh-agent
// v2.505.0 with the OpenStack stemcell's agent.json): the settings parse, the ephemeral disk is there, and
// `-nics` maps every network to the NIC with its MAC, as the agent configures them at bootstrap.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { prepareVmConfigDrive, type VmConfigDriveInput } from "../../src/services/vm/config-drive.ts";
import { CASES, config, driveCase } from "../fixtures/golden/cases.ts";
import { peer } from "./peers.ts";

const work = mkdtempSync(join(tmpdir(), "conformance-agent-"));

interface AgentNetwork {
  type?: string;
  ip?: string;
  mac?: string;
}
interface Settings {
  agent_id: string;
  disks: { system: string; ephemeral: { path: string } | string | null };
  networks: Record<string, AgentNetwork>;
}
interface Iface {
  Name: string;
  Address?: string;
  Mac?: string;
}
interface NicMap {
  static: Iface[];
  dynamic: Iface[];
  preconfigured?: boolean;
}

/** The ISO create_vm hands Ironic (gzip+base64 undone), written for the agent to read. */
function driveOf(name: string, input: VmConfigDriveInput) {
  const drive = prepareVmConfigDrive(input);
  const iso = join(work, `${name}.iso`);
  writeFileSync(iso, gunzipSync(Buffer.from(drive.packed, "base64")));
  // the agent sees the server's NICs by MAC: eth0, eth1, … in port order
  const nics = new Map(input.ports.map((p, i) => [p.address.toLowerCase(), `eth${i}`]));
  return { drive, iso, nics };
}

function agentSettings(iso: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(peer("agent-settings"), ["-configdrive", iso, "-mount", "extract", ...args], {
    encoding: "utf8",
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Cases beyond the golden ones: one network per NIC on a bond, on a VLAN, IPv6 only, several NICs. */
const EXTRA: { name: string; what: string; input: VmConfigDriveInput }[] = [
  {
    name: "bond",
    what: "one network over an active-backup bond of two NICs, a spare NIC on loopback",
    input: {
      ...driveCase("single").input,
      ports: [
        { address: "52:54:00:bb:00:01", pxe_enabled: true },
        { address: "52:54:00:bb:00:02", pxe_enabled: false },
        { address: "52:54:00:bb:00:03", pxe_enabled: false },
      ],
      networks: {
        default: {
          type: "manual",
          ip: "10.0.2.10",
          netmask: "255.255.255.0",
          gateway: "10.0.2.1",
          default: ["dns", "gateway"],
          dns: ["10.0.2.2"],
          cloud_properties: { bond: { macs: ["52:54:00:bb:00:01", "52:54:00:bb:00:02"], mode: "active-backup" } },
        },
      },
    },
  },
  {
    name: "vlan-ipv6",
    what: "a tagged IPv4 network on one NIC, an IPv6-only network on another, a DHCP network on a third",
    input: {
      ...driveCase("single").input,
      ports: [
        { address: "52:54:00:cc:00:01", pxe_enabled: true },
        { address: "52:54:00:cc:00:02", pxe_enabled: false },
        { address: "52:54:00:cc:00:03", pxe_enabled: false },
      ],
      networks: {
        tagged: {
          type: "manual",
          ip: "192.168.50.10",
          netmask: "255.255.255.0",
          gateway: "192.168.50.1",
          default: ["dns", "gateway"],
          dns: ["192.168.50.2"],
          cloud_properties: { mac: "52:54:00:cc:00:01", vlan: 50 },
        },
        v6: {
          type: "manual",
          ip: "2001:db8:0:1::10",
          netmask: "ffff:ffff:ffff:ffff:0000:0000:0000:0000",
          gateway: "2001:db8:0:1::1",
          cloud_properties: { mac: "52:54:00:cc:00:02" },
        },
        dhcp: { type: "dynamic", cloud_properties: { mac: "52:54:00:cc:00:03" } },
      },
    },
  },
];

const ALL = [...CASES, ...EXTRA].map((c) => ({ ...c, input: { ...c.input, config: c.input.config ?? config() } }));

describe.each(ALL)("$name ($what)", ({ name, input }) => {
  const { drive, iso, nics } = driveOf(name, input);

  test("bosh-agent reads the settings from the config drive", () => {
    const r = agentSettings(iso, "-settings-only");
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    if (drive.userDataKind === "registry") {
      // v1 stemcells: the pointer an agent with a registry client (<= v2.477) follows
      expect(doc).toMatchObject({
        registry_endpoint: JSON.parse(drive.userData).registry.endpoint,
        server_name: input.vmCid,
      });
      return;
    }
    const settings = doc as unknown as Settings;
    expect(settings.agent_id).toBe(input.agentId);
    const ephemeral = settings.disks.ephemeral;
    expect(
      typeof ephemeral === "string" ? ephemeral : ephemeral?.path,
      "never settings without an ephemeral disk",
    ).toBeTruthy();
    expect(Object.keys(settings.networks).sort()).toEqual(Object.keys(drive.agentSettings.networks).sort());
  });

  test("bosh-agent maps every network to the NIC with its MAC", () => {
    if (drive.userDataKind === "registry") return; // the settings come from the registry, not the drive
    const r = agentSettings(iso, "-nics", [...nics].map(([mac, ifname]) => `${mac}=${ifname}`).join(","));
    expect(r.code, r.err).toBe(0);
    const mapped = JSON.parse(r.out) as NicMap;
    const nonVip = Object.values(drive.agentSettings.networks).filter((n) => n.type !== "vip");
    if (nonVip.every((n) => n.preconfigured)) {
      // A bond or VLAN (network/agent-networks.ts): the agent leaves every interface alone (it would put a
      // bonded network on a member NIC, untagged); the stemcell brings the links up from network_data.json.
      expect(mapped).toMatchObject({ preconfigured: true });
      expect([...(mapped.static ?? []), ...(mapped.dynamic ?? [])]).toEqual([]);
      const nd = JSON.parse(
        Buffer.from(drive.files.find((f) => f.path === "openstack/latest/network_data.json")!.data).toString(),
      ) as { links: { type: string }[] };
      expect(nd.links.some((l) => l.type === "bond" || l.type === "vlan")).toBe(true);
      return;
    }
    const byMac = new Map<string, string[]>();
    for (const [net, spec] of Object.entries(drive.agentSettings.networks)) {
      if (spec.type === "vip") continue;
      byMac.set(spec.mac!, [...(byMac.get(spec.mac!) ?? []), net]);
    }
    for (const [mac, nets] of byMac) {
      const ifname = nics.get(mac);
      expect(ifname, `network(s) ${nets.join(", ")}: MAC ${mac} is one of the server's NICs`).toBeDefined();
      const applied = [
        ...mapped.static.filter((s) => s.Name === ifname).map((s) => s.Address),
        ...mapped.dynamic.filter((d) => d.Name === ifname).map(() => "dhcp"),
      ];
      const wanted = nets.map((n) => {
        const spec = drive.agentSettings.networks[n]!;
        return spec.use_dhcp || spec.type === "dynamic" ? "dhcp" : spec.ip;
      });
      if (nets.length === 1) {
        expect(applied, `network ${nets[0]} on ${ifname}`).toEqual(wanted);
      } else {
        // Several networks on one NIC (a bond or a parent with VLANs): bosh-agent before v2.720 applies one
        // of them per NIC (newer agents apply all); the CPI warns about it at create_vm.
        expect(applied).toHaveLength(1);
        expect(wanted).toContain(applied[0]);
        expect(drive.warnings.join("\n")).toMatch(
          new RegExp(`networks ${nets.join(", ")} share NIC ${mac}: bosh-agent before v2.720 applies only one of them`),
        );
      }
    }
  });
});

test("the peer is the agent the suite says it is", () => {
  const help = spawnSync(peer("agent-settings"), ["-h"], { encoding: "utf8" });
  expect(`${help.stdout}${help.stderr}`).toMatch(/configdrive/);
  expect(execFileSync("which", ["osirrox"]).toString()).toMatch(/osirrox/);
});
