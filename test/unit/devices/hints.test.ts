import { describe, expect, test } from "vitest";
import { CpiError } from "../../../src/protocol/errors.ts";
import { parseDiskCloudProperties } from "../../../src/services/disk/cloud-properties.ts";
import { hintValue, parseHint } from "../../../src/devices/hints.ts";

describe("device hints", () => {
  test.each([
    ["/dev/disk/by-path/pci-0000:00:1f.2-ata-3", "by-path", "/dev/disk/by-path/pci-0000:00:1f.2-ata-3", true],
    [
      "/dev/disk/by-id/ata-SAMSUNG_MZ7LH960_S45NNA0M123456",
      "by-id",
      "/dev/disk/by-id/ata-SAMSUNG_MZ7LH960_S45NNA0M123456",
      true,
    ],
    ["0x5000C500A1B2C3D4", "wwn", "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", true],
    ["wwn-0x5000c500a1b2c3d4", "wwn", "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", true],
    ["serial:S45NNA0M123456", "serial", undefined, true],
    ["/dev/sdb", "dev", "/dev/sdb", false],
    ["/dev/nvme1n1", "dev", "/dev/nvme1n1", false],
  ])("%s → %s, path %s, stable %s", (hint, kind, path, stable) => {
    expect(parseHint(hint)).toMatchObject({ kind, path, stable });
  });

  test("a by-id WWN link carries the WWN", () => {
    expect(parseHint("/dev/disk/by-id/wwn-0x5000C500A1B2C3D4").wwn).toBe("0x5000c500a1b2c3d4");
  });

  test.each(["/dev/disk/by-uuid/1234", "/dev/disk/by-label/data", "sdb", "/dev/sdb1/../sda", "serial:"])(
    "%s is refused",
    (hint) => {
      expect(() => parseHint(hint)).toThrow(CpiError);
    },
  );

  test("root-device hint operators are stripped", () => {
    expect(hintValue("s== /dev/sda")).toBe("/dev/sda");
    expect(hintValue(" 0x5000 ")).toBe("0x5000");
    expect(hintValue({})).toBeUndefined();
  });
});

describe("disk_type cloud_properties", () => {
  test("device, devices, the CPI default, then the node's declaration", () => {
    expect(parseDiskCloudProperties({ device: "/dev/sdc" }, ["/dev/sdb"])).toEqual({
      devices: ["/dev/sdc"],
      source: "disk_type",
    });
    expect(parseDiskCloudProperties({ devices: ["/dev/sdc", "/dev/sdd", "/dev/sdc"] }, [])).toEqual({
      devices: ["/dev/sdc", "/dev/sdd"],
      source: "disk_type",
    });
    expect(parseDiskCloudProperties({}, ["/dev/sdb"])).toEqual({ devices: ["/dev/sdb"], source: "config" });
    expect(parseDiskCloudProperties({}, [])).toEqual({ devices: [], source: "node" });
  });

  test("a dynamic disk's name (directors from v282.1.10 add it) is accepted and kept", () => {
    expect(parseDiskCloudProperties({ name: "data-1" }, [])).toEqual({ devices: [], source: "node", name: "data-1" });
    expect(parseDiskCloudProperties({ device: "/dev/sdb", name: "d" }, [])).toMatchObject({
      devices: ["/dev/sdb"],
      source: "disk_type",
      name: "d",
    });
  });

  test("unknown keys and both forms at once are configuration errors naming the known keys", () => {
    expect(() => parseDiskCloudProperties({ type: "ssd" }, [])).toThrow(
      /unknown key\(s\) type \(known keys: device, devices, name\)/,
    );
    expect(() => parseDiskCloudProperties({ device: "/dev/sdb", devices: ["/dev/sdc"] }, [])).toThrow(
      /either device or devices/,
    );
    expect(() => parseDiskCloudProperties({ devices: [] }, [])).toThrow(CpiError);
  });
});
