import { describe, expect, test } from "vitest";
import { chooseDevice, type ChoiceInput } from "../../../src/devices/choice.ts";
import { declaredDevices, rootDisk } from "../../../src/devices/node-devices.ts";

const GiB = 1024 ** 3;
const node = (extra: Record<string, unknown> = {}, properties: Record<string, unknown> = {}) => ({
  uuid: "n1",
  extra,
  properties,
});
const input = (over: Partial<ChoiceInput>): ChoiceInput => ({
  node: node(),
  hints: ["/dev/sdb"],
  sizeMib: 1024,
  declared: [],
  inventory: undefined,
  systemDevice: "/dev/sda",
  ...over,
});
const live = (device: string, path = device) => ({
  device,
  path,
  size_mib: 1,
  attached: false,
  state: "live",
  metadata: {},
  created_at: "t",
});

describe("declared devices (node properties.bosh_persistent_devices)", () => {
  test("objects with size_gb or size_mib, bare hints, and the JSON string `baremetal node set --property` stores", () => {
    const list = [
      { device: "/dev/disk/by-path/a", size_gb: 960 },
      { device: "/dev/disk/by-path/b", size_mib: "2048" },
      "/dev/sdd",
    ];
    const expected = [
      { device: "/dev/disk/by-path/a", capacityMib: 960 * 1024 },
      { device: "/dev/disk/by-path/b", capacityMib: 2048 },
      { device: "/dev/sdd", capacityMib: undefined },
    ];
    expect(declaredDevices({ bosh_persistent_devices: list })).toEqual({ devices: expected });
    expect(declaredDevices({ bosh_persistent_devices: JSON.stringify(list) })).toEqual({ devices: expected });
    expect(declaredDevices({})).toEqual({ devices: [] });
  });

  test("a malformed declaration is reported, not guessed at", () => {
    expect(declaredDevices({ bosh_persistent_devices: "{nope" }).problem).toMatch(/not JSON/);
    expect(declaredDevices({ bosh_persistent_devices: [{ size_gb: 1 }] }).problem).toBeDefined();
  });
});

describe("chooseDevice", () => {
  test("the first free candidate wins; unknown capacity is accepted with a note, /dev/sdX with another", () => {
    const r = chooseDevice(input({ hints: ["/dev/sdb", "/dev/sdc"] }));
    expect(r).toMatchObject({ ok: true, chosen: { device: "/dev/sdb", path: "/dev/sdb", capacityMib: undefined } });
    if (r.ok)
      expect(r.chosen.notes.join("\n")).toMatch(/kernel name[\s\S]*capacity of \/dev\/sdb on node n1 is unknown/);
  });

  test("devices holding live disks, dirty devices, the root device and small devices are skipped, each with its reason", () => {
    const r = chooseDevice(
      input({
        node: node({
          bosh_disks: { "disk-a": live("/dev/sdc") },
          bosh_dirty_devices: { "/dev/sdd": { since: "t", disk_cid: "disk-old" } },
        }),
        hints: ["/dev/sda", "/dev/sdc", "/dev/sdd", "/dev/sde", "/dev/sdf"],
        declared: [{ device: "/dev/sde", capacityMib: 512 }],
        sizeMib: 1024,
      }),
    );
    expect(r).toMatchObject({ ok: true, chosen: { device: "/dev/sdf" } });
    const none = chooseDevice(
      input({
        node: node({
          bosh_disks: { "disk-a": live("/dev/sdc") },
          bosh_dirty_devices: { "/dev/sdd": { since: "t", disk_cid: "disk-old" } },
        }),
        hints: ["/dev/sda", "/dev/sdc", "/dev/sdd", "/dev/sde"],
        declared: [{ device: "/dev/sde", capacityMib: 512 }],
      }),
    );
    expect(none.ok).toBe(false);
    if (!none.ok) {
      expect(none.reasons).toEqual([
        { device: "/dev/sda", why: "is the root device" },
        { device: "/dev/sdc", why: "holds disk disk-a" },
        { device: "/dev/sdd", why: expect.stringMatching(/^was used by deleted disk disk-old and is not wiped yet/) },
        { device: "/dev/sde", why: "has 512 MiB, 1024 MiB asked" },
      ]);
    }
  });

  test("node root_device hints exclude the device they name", () => {
    const r = chooseDevice(
      input({
        node: node({}, { root_device: { by_path: "/dev/disk/by-path/root" } }),
        hints: ["/dev/disk/by-path/root"],
      }),
    );
    expect(r).toEqual({ ok: false, reasons: [{ device: "/dev/disk/by-path/root", why: "is the root device" }] });
  });

  describe("with Ironic's inventory", () => {
    const inventory = [
      {
        name: "/dev/sda",
        size: 480 * GiB,
        serial: "ROOT1",
        wwn: "0x5000000000000001",
        by_path: "/dev/disk/by-path/pci-1-ata-1",
      },
      {
        name: "/dev/sdb",
        size: 960 * GiB,
        serial: "DATA2",
        wwn: "0x5000000000000002",
        by_path: "/dev/disk/by-path/pci-1-ata-2",
      },
      { name: "/dev/sdc", size: 2 * GiB, serial: "TINY3", by_path: "/dev/disk/by-path/pci-1-ata-3" },
    ];

    test("capacity comes from the inventory; a serial resolves to the by-path link", () => {
      const r = chooseDevice(input({ hints: ["serial:DATA2"], inventory, sizeMib: 100_000 }));
      expect(r).toMatchObject({
        ok: true,
        chosen: { device: "serial:DATA2", path: "/dev/disk/by-path/pci-1-ata-2", capacityMib: 960 * 1024, notes: [] },
      });
      expect(chooseDevice(input({ hints: ["0x5000000000000002"], inventory, sizeMib: 2_000_000 }))).toMatchObject({
        ok: false,
        reasons: [{ device: "0x5000000000000002", why: `has ${960 * 1024} MiB, 2000000 MiB asked` }],
      });
    });

    test("without root_device hints Ironic's root is the smallest disk of at least 4 GiB", () => {
      expect(rootDisk(inventory, undefined)?.name).toBe("/dev/sda");
      const r = chooseDevice(
        input({ hints: ["/dev/disk/by-path/pci-1-ata-1", "/dev/disk/by-id/ata-MODEL_DATA2"], inventory }),
      );
      expect(r).toMatchObject({
        ok: true,
        chosen: { device: "/dev/disk/by-id/ata-MODEL_DATA2", capacityMib: 960 * 1024 },
      });
    });

    test("root_device hints pick the root among inventory disks", () => {
      expect(rootDisk(inventory, { serial: "DATA2" })?.name).toBe("/dev/sdb");
      const r = chooseDevice(
        input({
          node: node({}, { root_device: { wwn: "0x5000000000000002" } }),
          hints: ["/dev/disk/by-path/pci-1-ata-2"],
          inventory,
        }),
      );
      expect(r).toEqual({
        ok: false,
        reasons: [{ device: "/dev/disk/by-path/pci-1-ata-2", why: "is the root device" }],
      });
    });

    test("a serial the inventory does not know has no path", () => {
      expect(chooseDevice(input({ hints: ["serial:NOPE"], inventory }))).toMatchObject({
        ok: false,
        reasons: [{ device: "serial:NOPE", why: expect.stringMatching(/not in the node's inventory/) }],
      });
    });
  });
});
