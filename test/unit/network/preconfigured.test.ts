// No bosh-agent creates bonds or VLANs: a layout with one tells the agent the networks are
// preconfigured (it then writes resolv.conf only) and leaves the links to network_data.json.
import { describe, expect, test } from "vitest";
import { build, mac, manual, ports } from "./build.ts";

const bond = { macs: [mac(1), mac(2)], mode: "active-backup" as const };

describe("preconfigured networks", () => {
  test("a bond: every network and every spare NIC is preconfigured; network_data has the bond", () => {
    const { agent, nd, warnings } = build(
      {
        default: manual("10.0.0.10", { default: ["dns", "gateway"], gateway: "10.0.0.1", cloud_properties: { bond } }),
        public: { type: "vip", ip: "203.0.113.10", cloud_properties: {} },
      },
      ports(1, 2, 3),
    );
    expect(agent["default"]).toMatchObject({ preconfigured: true, mac: mac(1), ip: "10.0.0.10" });
    expect(agent["public"]).not.toHaveProperty("preconfigured"); // vip: the agent skips it anyway
    const spare = Object.values(agent).filter((n) => n.mac === mac(3));
    expect(spare).toEqual([expect.objectContaining({ preconfigured: true, ip: "127.0.0.100" })]);
    expect(nd.links.map((l) => l.type)).toEqual(expect.arrayContaining(["bond", "phy"]));
    expect(warnings.join("\n")).toMatch(
      /mark every network preconfigured .* from the config drive's network_data\.json/,
    );
  });

  test("a VLAN on a plain NIC: preconfigured too", () => {
    const { agent } = build(
      {
        a: manual("10.0.0.10", { default: ["dns", "gateway"], gateway: "10.0.0.1", cloud_properties: { mac: mac(1) } }),
        b: manual("10.0.2.10", { cloud_properties: { mac: mac(1), vlan: 200 } }),
      },
      ports(1),
    );
    expect(Object.values(agent).every((n) => n.preconfigured === true)).toBe(true);
  });

  test("plain NICs only: the agent configures them, as before", () => {
    const { agent, warnings } = build({ a: manual("10.0.0.10", { gateway: "10.0.0.1" }) }, ports(1, 2));
    expect(Object.values(agent).some((n) => "preconfigured" in n)).toBe(false);
    expect(warnings.join("\n")).not.toMatch(/preconfigured/);
  });
});
