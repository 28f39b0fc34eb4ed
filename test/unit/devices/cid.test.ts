import { describe, expect, test } from "vitest";
import { Cid } from "../../../src/protocol/shapes.ts";
import { deviceTag, diskCid, parseDiskCid } from "../../../src/devices/cid.ts";

const NODE = "d658b325-9f3d-4e8b-b148-25560c0566b5";
const AT = new Date("2026-11-21T12:00:00.123Z");

describe("disk cid", () => {
  test("names the node, the device and the creation time; passes the protocol's Cid and is ≥ 20 characters", () => {
    const cid = diskCid(NODE, "/dev/disk/by-path/pci-0000:00:1f.2-ata-3", AT);
    expect(cid).toMatch(/^disk-d658b325-9f3d-4e8b-b148-25560c0566b5-[0-9a-f]{8}-[0-9a-z]+$/);
    expect(Cid.safeParse(cid).success).toBe(true);
    expect(cid.length).toBeGreaterThanOrEqual(20);
    expect(parseDiskCid(cid)).toEqual({
      nodeUuid: NODE,
      deviceTag: deviceTag("/dev/disk/by-path/pci-0000:00:1f.2-ata-3"),
      createdMs: AT.getTime(),
    });
  });

  test("the same device at another time is another disk", () => {
    expect(diskCid(NODE, "/dev/sdb", AT)).not.toBe(diskCid(NODE, "/dev/sdb", new Date(AT.getTime() + 1)));
    expect(diskCid(NODE, "/dev/sdb", AT)).not.toBe(diskCid(NODE, "/dev/sdc", AT));
  });

  test("an upper-case node uuid is normalised", () => {
    expect(diskCid(NODE.toUpperCase(), "/dev/sdb", AT)).toBe(diskCid(NODE, "/dev/sdb", AT));
  });

  test.each([
    ["the 2016 CPI's format", "14738712345-e41f13e6333c-sdc"],
    ["a VM cid", NODE],
    ["no time part", `disk-${NODE}-0123abcd`],
    ["a name instead of a uuid", "disk-node-1-0123abcd-abc"],
    ["trailing junk", `disk-${NODE}-0123abcd-abc-x`],
  ])("%s is not a disk of this CPI", (_what, cid) => {
    expect(parseDiskCid(cid)).toBeUndefined();
  });
});
