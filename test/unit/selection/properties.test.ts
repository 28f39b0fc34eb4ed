import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mismatch, propertiesMismatch, sizeKey, toNumber } from "../../../src/selection/properties.ts";

describe("ironic_properties comparisons", () => {
  it("numbers mean 'at least', also against values inspection stored as strings (2016 bug #3)", () => {
    expect(mismatch(16, 8)).toBeUndefined();
    expect(mismatch("16", 8)).toBeUndefined();
    expect(mismatch(" 16384 ", 16384)).toBeUndefined();
    expect(mismatch("4", 8)).toBe("below 8");
    expect(mismatch("many", 8)).toBe('not a number ("many")');
  });

  it("strings and booleans mean 'equal'", () => {
    expect(mismatch("x86_64", "x86_64")).toBeUndefined();
    expect(mismatch("aarch64", "x86_64")).toBe('not "x86_64"');
    expect(mismatch(16, "16")).toBeUndefined();
    expect(mismatch("true", true)).toBeUndefined();
    expect(mismatch(false, true)).toBe("not true");
  });

  it("a missing key is a rejection, never a crash", () => {
    expect(mismatch(undefined, 4)).toBe("missing");
    expect(mismatch(null, "x")).toBe("missing");
    expect(propertiesMismatch(undefined, { cpus: 1 })).toBe("ironic_properties.cpus missing");
    expect(propertiesMismatch({ cpus: 8 }, { memory_mb: 1, cpus: 4 })).toBe("ironic_properties.memory_mb missing");
    expect(propertiesMismatch({ cpus: 8, memory_mb: "2048" }, { memory_mb: 1024, cpus: 4 })).toBeUndefined();
  });

  it("numeric strings compare like the numbers they spell (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (have, want) => {
        expect(mismatch(String(have), want) === undefined).toBe(have >= want);
        expect(mismatch(have, want) === undefined).toBe(have >= want);
      }),
    );
  });

  it("toNumber accepts only numbers and numeric strings", () => {
    expect(toNumber("1.5")).toBe(1.5);
    expect(toNumber("1e3")).toBe(1000);
    expect(toNumber("")).toBeUndefined();
    expect(toNumber("0x10")).toBeUndefined();
    expect(toNumber(Number.NaN)).toBeUndefined();
    expect(toNumber(true)).toBeUndefined();
  });

  it("sizeKey orders by cpus, memory_mb, local_gb; missing sorts last", () => {
    expect(sizeKey({ cpus: "8", memory_mb: 1024, local_gb: "10" })).toEqual([8, 1024, 10]);
    expect(sizeKey({})).toEqual([Infinity, Infinity, Infinity]);
  });
});
