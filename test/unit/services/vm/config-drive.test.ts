import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { CloudError, CpiError } from "../../../../src/protocol/errors.ts";
import { prepareVmConfigDrive, type VmConfigDriveInput } from "../../../../src/services/vm/config-drive.ts";
import { CASES, config, driveCase } from "../../../fixtures/golden/cases.ts";

// Golden files are compared byte for byte. Regenerate deliberately, then review the diff:
//   UPDATE_GOLDEN=1 npx vitest run test/unit/services/vm/config-drive.test.ts
const GOLDEN = new URL("../../../fixtures/golden/", import.meta.url);
const update = process.env.UPDATE_GOLDEN === "1";

function golden(file: string, value: unknown) {
  const path = new URL(file, GOLDEN);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (update) writeFileSync(path, text);
  expect(existsSync(path), `${file} is missing: run with UPDATE_GOLDEN=1 once and review it`).toBe(true);
  expect(text).toBe(readFileSync(path, "utf8"));
}

function fails(input: VmConfigDriveInput): Error {
  try {
    prepareVmConfigDrive(input);
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe.each(CASES)("golden: $name ($what)", ({ name, input }) => {
  const drive = prepareVmConfigDrive(input);
  test("agent settings", () => golden(`${name}.agent-settings.json`, drive.agentSettings));
  test("network_data.json", () => golden(`${name}.network_data.json`, drive.networkData));
  test("node network_data (only with provisioning_network)", () => {
    if (input.vmCloudProperties.provisioning_network) golden(`${name}.node-network_data.json`, drive.nodeNetworkData);
    else expect(drive.nodeNetworkData).toBeUndefined();
  });
  test("user-data", () => {
    if (drive.userDataKind === "registry") golden(`${name}.user-data.json`, JSON.parse(drive.userData));
    else expect(JSON.parse(drive.userData)).toEqual(drive.agentSettings);
  });
  test("agent networks = settings networks; packed drive decodes to the ISO; files all present", () => {
    expect(drive.agentSettings.networks).toEqual(drive.agentNetworks);
    expect(Buffer.from(gunzipSync(Buffer.from(drive.packed, "base64"))).equals(Buffer.from(drive.iso))).toBe(true);
    expect(drive.files).toHaveLength(18);
    // a bond or VLAN: said, because the stemcell, not the agent, must bring it up (network/agent-networks.ts)
    expect(drive.warnings.every((w) => /bosh-agent before v2\.720|mark every network preconfigured/.test(w))).toBe(
      true,
    );
  });
});

describe("prepareVmConfigDrive", () => {
  const single = driveCase("single").input;
  const bondVlan = driveCase("bond-vlan").input;

  test("deterministic: the same input gives the same packed string", () => {
    expect(prepareVmConfigDrive(single).packed).toBe(
      prepareVmConfigDrive({ ...single, date: new Date(single.date) }).packed,
    );
  });

  test("ephemeral disk: vm_type ephemeral_disk, then disks.ephemeral_device, then the server's own; never none", () => {
    const none = config({ disks: {} });
    const e = fails({ ...single, config: none });
    expect(e).toBeInstanceOf(CpiError);
    expect(e.message).toMatch(
      /^no ephemeral disk for the agent on server r12-u07: set vm_type cloud_properties ephemeral_disk, disks.ephemeral_device .* bosh_ephemeral_device/,
    );
    expect(
      prepareVmConfigDrive({ ...single, config: none, ephemeralDisk: "/dev/disk/by-path/own" }).agentSettings.disks
        .ephemeral,
    ).toEqual({ path: "/dev/disk/by-path/own" });
    const cfg = config({ disks: { ephemeral_device: "/dev/disk/by-id/from-config" } });
    expect(prepareVmConfigDrive({ ...single, config: cfg }).agentSettings.disks.ephemeral).toEqual({
      path: "/dev/disk/by-id/from-config",
    });
    const vm = { ...single, config: cfg, vmCloudProperties: { ephemeral_disk: { path: "/dev/disk/by-path/x" } } };
    expect(prepareVmConfigDrive(vm).agentSettings.disks.ephemeral).toEqual({ path: "/dev/disk/by-path/x" });
  });

  test("persistent disks (registry records) and other vm_type keys are passed/ignored", () => {
    const d = prepareVmConfigDrive({
      ...single,
      persistentDisks: { "disk-1": { path: "/dev/disk/by-id/wwn-0x5" } },
      vmCloudProperties: { macs: ["x"], raid: {} },
    });
    expect(d.agentSettings.disks.persistent).toEqual({ "disk-1": { path: "/dev/disk/by-id/wwn-0x5" } });
  });

  test("warnings from the model are handed to the caller", () => {
    const networks = { default: { ...single.networks.default!, gateway: "10.9.9.1" } };
    expect(prepareVmConfigDrive({ ...single, networks }).warnings).toEqual([
      "network 'default': gateway 10.9.9.1 is outside 10.0.1.0/24; using it as an on-link gateway",
    ]);
  });

  test("a pinned MAC the server lacks -> CloudError naming network and MAC", () => {
    const networks = { default: { ...single.networks.default!, cloud_properties: { mac: "de:ad:be:ef:00:01" } } };
    const e = fails({ ...single, networks });
    expect(e).toBeInstanceOf(CloudError);
    expect(e.message).toBe("network 'default': MAC de:ad:be:ef:00:01 is not a port of this server");
  });

  test("too few NICs -> CloudError", () => {
    const e = fails({
      ...bondVlan,
      ports: bondVlan.ports.slice(0, 3),
      networks: { ...bondVlan.networks, x: { type: "dynamic" }, y: { type: "dynamic" } },
    });
    expect(e).toBeInstanceOf(CloudError);
    expect(e.message).toMatch(/2 unpinned network\(s\) need a NIC each \(x, y\) but this server has 0 free NIC\(s\)/);
  });

  test("manifest mistakes -> CpiError naming the network and key", () => {
    const e = fails({
      ...single,
      networks: { default: { ...single.networks.default!, cloud_properties: { vlan_id: 3 } } },
    });
    expect(e).toBeInstanceOf(CpiError);
    expect(e.message).toBe("network 'default': cloud_properties.vlan_id: unknown key");
    const m = fails({ ...single, networks: { default: { ...single.networks.default!, netmask: "255.0.255.0" } } });
    expect(m).toBeInstanceOf(CpiError);
    expect(m.message).toMatch(/network 'default': netmask 255\.0\.255\.0 is not contiguous/);
  });

  test("bad vm_type drive keys -> CpiError", () => {
    expect(fails({ ...single, vmCloudProperties: { ephemeral_disk: 5 } })).toBeInstanceOf(CpiError);
    const e = fails({ ...single, vmCloudProperties: { provisioning_network: "nope" } });
    expect(e).toBeInstanceOf(CpiError);
    expect(e.message).toMatch(/provisioning_network 'nope': is not one of this VM's networks/);
  });

  test("DHCP-less over an 802.3ad bond: the ramdisk gets the bond's first NIC, the drive keeps the bond", () => {
    const d = prepareVmConfigDrive({ ...bondVlan, vmCloudProperties: { provisioning_network: "default" } });
    expect(d.nodeNetworkData!.links.some((l) => l.type === "bond")).toBe(false);
    expect(d.networkData.links.some((l) => l.type === "bond")).toBe(true);
  });

  test("over max_packed_bytes -> CloudError naming the size and the limit", () => {
    const small = prepareVmConfigDrive(single).packed.length;
    const e = fails({ ...single, config: config({ config_drive: { max_packed_bytes: 1000 } }) });
    expect(e).toBeInstanceOf(CloudError);
    expect(e.message).toContain(`config drive is ${small} bytes packed`);
    expect(e.message).toContain("config_drive.max_packed_bytes (1000)");
  });

  test("ISO writer limits -> CloudError", () => {
    const e = fails({ ...single, date: new Date("1850-01-01T00:00:00Z") });
    expect(e).toBeInstanceOf(CloudError);
    expect(e.message).toMatch(/^config drive cannot be written as ISO9660 \(INVALID_DATE\)/);
  });

  test("registry needed but not configured -> CpiError; loopback range exhausted -> CpiError", () => {
    expect(fails({ ...single, stemcellApiVersion: 1 })).toBeInstanceOf(CpiError);
    const cfg = config({ network: { loopback_base: "127.0.0.255" } });
    const e = fails({ ...bondVlan, config: cfg });
    expect(e).toBeInstanceOf(CpiError);
    expect(e.message).toMatch(/^CPI network configuration: 2 unused NICs do not fit in 127\.0\.0\.255\/24/);
  });

  test("registry mode: user-data is the pointer, the agent settings are still returned for the registry", () => {
    const d = prepareVmConfigDrive(driveCase("registry").input);
    expect(d.userDataKind).toBe("registry");
    expect(JSON.parse(d.userData).registry).toEqual({ endpoint: "http://registry:pw@10.0.0.6:25777" });
    expect(d.agentSettings.agent_id).toBe("agent-4149ba0f");
  });
});
