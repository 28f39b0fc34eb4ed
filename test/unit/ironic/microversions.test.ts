import { describe, expect, test } from "vitest";
import { IronicUnsupportedFeature } from "../../../src/ironic/errors.ts";
import {
  FEATURES,
  MAX_SUPPORTED,
  MIN_SUPPORTED,
  Microversion,
  compareVersions,
  minVersion,
  parseVersion,
} from "../../../src/ironic/microversions.ts";

describe("version arithmetic", () => {
  test("numeric per part", () => {
    expect(compareVersions("1.9", "1.10")).toBeLessThan(0);
    expect(compareVersions("1.82", "1.82")).toBe(0);
    expect(compareVersions("2.1", "1.99")).toBeGreaterThan(0);
    expect(minVersion("1.82", "1.100", "1.9")).toBe("1.9");
    expect(() => parseVersion("latest")).toThrow(/Not an Ironic microversion/);
  });

  test("the table is sane: every feature within the supported range", () => {
    expect(MAX_SUPPORTED).toBe("1.109");
    for (const v of Object.values(FEATURES)) expect(compareVersions(v, MAX_SUPPORTED)).toBeLessThanOrEqual(0);
    expect(FEATURES).toMatchObject({
      allocations: "1.52",
      configdrive_json: "1.56",
      network_data: "1.66",
      deploy_steps: "1.69",
      traits: "1.37",
      conductor_group: "1.46",
      owner: "1.50",
      automated_clean: "1.47",
      enroll_state: "1.11",
      manual_cleaning: "1.15",
      description: "1.51",
      retired: "1.61",
      lessee: "1.65",
      shard: "1.82",
      protected: "1.48",
      node_history: "1.78",
      disable_power_off: "1.95",
      health: "1.109",
    });
    expect(MIN_SUPPORTED).toBe("1.46");
  });
});

describe("Microversion", () => {
  const mv = new Microversion("1.65", { min: "1.1", max: "1.82" });
  test("supports / require", () => {
    expect(mv.supports("lessee")).toBe(true);
    expect(mv.supports("network_data")).toBe(false);
    expect(() => mv.require("lessee")).not.toThrow();
    const err = (() => {
      try {
        mv.require("network_data");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(IronicUnsupportedFeature);
    expect(err).toMatchObject({ feature: "network_data", requiredVersion: "1.66", negotiatedVersion: "1.65" });
  });
});
