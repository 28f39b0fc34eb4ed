import { describe, expect, test } from "vitest";
import { NetworkModelError } from "../../../src/network/errors.ts";
import { parseNetworkCloudProperties } from "../../../src/network/cloud-properties.ts";

const parse = (raw: unknown) => parseNetworkCloudProperties("net", raw);
function message(raw: unknown): string {
  try {
    parse(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(NetworkModelError);
    expect((e as NetworkModelError).code).toBe("INVALID_CLOUD_PROPERTIES");
    return (e as Error).message;
  }
  throw new Error("expected an error");
}
const bond = (extra: Record<string, unknown> = {}) => ({
  macs: ["52:54:00:00:00:01", "52:54:00:00:00:02"],
  mode: "802.3ad",
  ...extra,
});

describe("network cloud_properties", () => {
  test("empty and absent are fine", () => {
    expect(parse(undefined)).toEqual({});
    expect(parse({})).toEqual({});
  });

  test("MACs are lower-cased", () => {
    expect(parse({ mac: "52:54:00:AB:CD:EF" })).toEqual({ mac: "52:54:00:ab:cd:ef" });
    expect(parse({ bond: bond({ macs: ["52:54:00:00:00:0A", "52:54:00:00:00:0B"] }) }).bond!.macs).toEqual([
      "52:54:00:00:00:0a",
      "52:54:00:00:00:0b",
    ]);
  });

  test.each(["802.3ad", "active-backup", "balance-rr", "balance-xor", "broadcast", "balance-tlb", "balance-alb"])(
    "bond mode %s",
    (mode) => {
      expect(parse({ bond: bond({ mode }) }).bond!.mode).toBe(mode);
    },
  );

  test.each([
    [{ vlan: 0 }, "cloud_properties.vlan:"],
    [{ vlan: 4095 }, "cloud_properties.vlan:"],
    [{ vlan: 1.5 }, "cloud_properties.vlan:"],
    [{ mtu: 67 }, "cloud_properties.mtu:"],
    [{ mtu: 9217 }, "cloud_properties.mtu:"],
    [{ mac: "52-54-00-00-00-01" }, "cloud_properties.mac: must be a MAC address"],
    [
      { bond: bond({ macs: ["52:54:00:00:00:01"] }) },
      "cloud_properties.bond.macs: a bond needs at least two member MACs",
    ],
    [
      { bond: bond({ macs: ["52:54:00:00:00:01", "52:54:00:00:00:01"] }) },
      "cloud_properties.bond.macs: lists a MAC twice",
    ],
    [{ bond: bond({ mode: "lacp" }) }, "cloud_properties.bond.mode:"],
    [
      { bond: bond({ mode: "active-backup", lacp_rate: "fast" }) },
      "cloud_properties.bond.lacp_rate: only applies to mode 802.3ad",
    ],
    [
      { bond: bond({ mode: "active-backup", xmit_hash_policy: "layer2" }) },
      "cloud_properties.bond.xmit_hash_policy: does not apply to mode active-backup",
    ],
    [{ mac: "52:54:00:00:00:01", bond: bond() }, "mac and bond are mutually exclusive"],
    [
      { routes: [{ destination: "10.0.0.0", gateway: "10.0.0.1" }] },
      "cloud_properties.routes.0.destination: must be a CIDR",
    ],
    [{ routes: [{ destination: "10.0.0.0/8", gateway: "x" }] }, "cloud_properties.routes.0.gateway:"],
    [{ subnet: "x" }, "cloud_properties.subnet: unknown key"],
  ])("%j is rejected", (raw, expected) => {
    const m = message(raw);
    expect(m).toMatch(/^network 'net': /);
    expect(m).toContain(expected);
  });

  test("lacp_rate and xmit_hash_policy with 802.3ad", () => {
    expect(
      parse({ bond: bond({ lacp_rate: "fast", xmit_hash_policy: "layer3+4", miimon: 100 }), vlan: 42, mtu: 9000 }),
    ).toEqual({
      bond: { ...bond(), lacp_rate: "fast", xmit_hash_policy: "layer3+4", miimon: 100 },
      vlan: 42,
      mtu: 9000,
    });
  });
});
