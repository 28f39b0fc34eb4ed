import { describe, expect, test } from "vitest";
import { givenEphemeral, inventoryEphemeral } from "../../../src/devices/ephemeral.ts";

const GIB = 1024 ** 3;
const disk = (name: string, sizeGib: number, extra: Record<string, string> = {}) => ({
  name,
  size: sizeGib * GIB,
  ...extra,
});
const INVENTORY = [
  disk("/dev/sda", 480, { by_path: "/dev/disk/by-path/pci-0000:00:1f.2-ata-1" }),
  disk("/dev/sdb", 960, { by_path: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2" }),
  disk("/dev/sdc", 3840, { wwn: "0x5000C500A1B2C3D4" }),
  disk("/dev/sdd", 3840),
];
const choose = (over: Partial<Parameters<typeof inventoryEphemeral>[0]> = {}) =>
  inventoryEphemeral({
    node: { properties: {}, extra: {} },
    inventory: INVENTORY,
    persistentHints: [],
    systemDevice: "/dev/sda",
    ...over,
  });

describe("the agent's ephemeral disk", () => {
  test("the vm_type's choice wins, then the node's bosh_ephemeral_device, then the CPI config; none: the inventory decides", () => {
    const node = { properties: { bosh_ephemeral_device: " /dev/disk/by-path/node " } };
    const bare = { properties: {} };
    expect(givenEphemeral("/dev/disk/by-path/vm", node, "/dev/disk/by-path/cfg")).toEqual({
      path: "/dev/disk/by-path/vm",
      source: "vm_type",
    });
    expect(givenEphemeral({ path: "/dev/disk/by-path/vm" }, bare, undefined)).toEqual({
      path: "/dev/disk/by-path/vm",
      source: "vm_type",
    });
    expect(givenEphemeral(undefined, node, "/dev/disk/by-path/cfg")).toEqual({
      path: "/dev/disk/by-path/node",
      source: "node",
    });
    expect(givenEphemeral(undefined, { properties: { bosh_ephemeral_device: "" } }, "/dev/disk/by-path/cfg")).toEqual({
      path: "/dev/disk/by-path/cfg",
      source: "config",
    });
    expect(givenEphemeral(undefined, bare, undefined)).toBeUndefined();
  });

  test("from the inventory: the first disk that is not the root device, with its stablest path", () => {
    // the root is the smallest disk >= 4 GiB (Ironic's default): sda
    expect(choose()).toEqual({ path: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2", source: "inventory" });
  });

  test("never the root device the hints name, a persistent-disk candidate, or a device holding a disk", () => {
    // root_device names sdb (and the agent's system device says so): then sda is free
    expect(choose({ rootDevice: { name: "/dev/sdb" }, systemDevice: "/dev/sdb" })?.path).toBe(
      "/dev/disk/by-path/pci-0000:00:1f.2-ata-1",
    );
    // the configured system device is never the ephemeral disk, whatever the inventory's root
    expect(choose({ rootDevice: { name: "/dev/sdb" } })?.path).toBe("/dev/disk/by-id/wwn-0x5000c500a1b2c3d4");
    expect(choose({ persistentHints: ["/dev/disk/by-path/pci-0000:00:1f.2-ata-2"] })?.path).toBe(
      "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4",
    );
    const declared = {
      properties: {
        bosh_persistent_devices: JSON.stringify([
          { device: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2" },
          { device: "0x5000c500a1b2c3d4" },
        ]),
      },
      extra: {},
    };
    expect(choose({ node: declared })?.path).toBe("/dev/sdd"); // a kernel name as the last resort
    const holding = {
      properties: {},
      extra: {
        bosh_disks: {
          d1: {
            device: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2",
            path: "p",
            size_mib: 1,
            attached: false,
            state: "live",
            metadata: {},
            created_at: "x",
          },
        },
      },
    };
    expect(choose({ node: holding })?.path).toBe("/dev/disk/by-id/wwn-0x5000c500a1b2c3d4");
  });

  test("a server whose only disk is the root device has none", () => {
    expect(choose({ inventory: [INVENTORY[0]!] })).toBeUndefined();
    expect(choose({ inventory: [] })).toBeUndefined();
  });
});
