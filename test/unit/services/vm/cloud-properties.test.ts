import { describe, expect, it } from "vitest";
import { CpiError } from "../../../../src/protocol/errors.ts";
import { fromVmResources } from "../../../../src/selection/vm-resources.ts";
import { KNOWN_VM_CLOUD_PROPERTIES, parseVmCloudProperties } from "../../../../src/services/vm/cloud-properties.ts";

const fail = (raw: Record<string, unknown>) => {
  try {
    parseVmCloudProperties(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(CpiError);
    return (e as Error).message;
  }
  throw new Error("accepted");
};

describe("vm_type cloud_properties", () => {
  it("accepts each way of naming a server, with defaults and lower-cased MACs", () => {
    expect(parseVmCloudProperties({ macs: ["52:54:00:AA:BB:CC"] })).toEqual({
      macs: ["52:54:00:aa:bb:cc"],
      from_manageable: false,
      spread: "preferred",
    });
    expect(parseVmCloudProperties({ resource_class: "baremetal" }).resource_class).toBe("baremetal");
    expect(parseVmCloudProperties({ traits: ["CUSTOM_GPU"] }).traits).toEqual(["CUSTOM_GPU"]);
    expect(
      parseVmCloudProperties({ ironic_properties: { cpus: 4, cpu_arch: "x86_64" }, from_manageable: true })
        .from_manageable,
    ).toBe(true);
    const enroll = parseVmCloudProperties({
      macs: ["52-54-00-aa-bb-cc"],
      ironic_params: { driver: "ipmi", driver_info: { ipmi_address: "10.0.0.9" }, deploy_interface: "direct" },
    });
    expect(enroll.macs).toEqual(["52:54:00:aa:bb:cc"]);
    expect(enroll.ironic_params).toMatchObject({ driver: "ipmi", deploy_interface: "direct", inspect: false });
  });

  it("accepts the deploy options and the keys other layers own", () => {
    const p = parseVmCloudProperties({
      resource_class: "x",
      root_device: { wwn: "0x5000c500a1b2c3d4", size: ">= 100" },
      boot_mode: "uefi",
      raid: { logical_disks: [{ size_gb: "MAX", raid_level: "1", is_root_volume: true }] },
      bios_settings: [{ name: "LogicalProc", value: "Disabled" }],
      deploy_steps: [{ interface: "deploy", step: "write_image", priority: 90 }],
      automated_clean: false,
      deploy_timeout: 7200,
      provisioning_network: "prov",
      ephemeral_disk: "/dev/disk/by-id/x",
      availability_zone: "z1",
      conductor_group: "dc1",
      owner: "team",
    });
    expect(p.deploy_steps).toEqual([{ interface: "deploy", step: "write_image", priority: 90, args: {} }]);
    expect(p.boot_mode).toBe("uefi");
  });

  it("refuses a typo with its path and the list of known keys", () => {
    const msg = fail({ resource_class: "x", ironic_propertes: {} });
    expect(msg).toContain("unknown key(s) ironic_propertes");
    for (const k of KNOWN_VM_CLOUD_PROPERTIES) expect(msg).toContain(k);
    expect(fail({ macs: ["52:54:00:aa:bb:cc"], ironic_params: { driver: "ipmi", drvier_info: {} } })).toContain(
      "unknown key(s) ironic_params.drvier_info",
    );
  });

  it("refuses bad values with their path", () => {
    expect(fail({ macs: ["zz:54:00:aa:bb:cc"] })).toMatch(/macs\.0: must be a MAC address/);
    expect(fail({ resource_class: "x", boot_mode: "legacy" })).toMatch(/boot_mode/);
    expect(fail({ resource_class: "x", deploy_timeout: -1 })).toMatch(/deploy_timeout/);
  });

  it("refuses a vm_type that names no server, and ironic_params without macs", () => {
    expect(fail({ boot_mode: "uefi" })).toMatch(
      /name no server: set one of macs, ironic_properties, resource_class, traits, ironic_params/,
    );
    expect(fail({ ironic_params: { driver: "ipmi" } })).toMatch(/ironic_params needs macs/);
  });

  it("calculate_vm_cloud_properties: vm_resources become an 'at least' selector", () => {
    expect(fromVmResources({ cpu: 2, ram: 4096, ephemeral_disk_size: 10241 })).toEqual({
      ironic_properties: { cpus: 2, memory_mb: 4096, local_gb: 11 },
    });
    expect(parseVmCloudProperties(fromVmResources({ cpu: 1, ram: 1, ephemeral_disk_size: 0 }))).toBeDefined();
  });
});
