import { describe, expect, it } from "vitest";
import { comparePrimary, primaryIdentifiers } from "../../../src/iso9660/names.ts";

const files = (...names: string[]) => primaryIdentifiers(names.map((name) => ({ name, isDir: false })));

describe("primary (ECMA-119) identifiers", () => {
  it("maps to d-characters like genisoimage: dashes to _, ';1' version, '.' always present", () => {
    expect(files("meta-data.json", "user-data", "user_data", "network_data.json", "0000")).toEqual([
      "META_DATA.JSON;1",
      "USER_DATA.;1",
      "USER_DATA1.;1", // clash with user-data, resolved after it in code-unit order
      "NETWORK_DATA.JSON;1",
      "0000.;1",
    ]);
    expect(
      primaryIdentifiers([
        { name: "2012-08-10", isDir: true },
        { name: "v1.2", isDir: true },
      ]),
    ).toEqual(["2012_08_10", "V1_2"]);
  });

  it("keeps only the last dot as separator and maps other characters to _", () => {
    expect(files("a.b.c", ".hidden", "ünïcode.tar.gz", "sp ace")).toEqual([
      "A_B.C;1",
      "_HIDDEN.;1",
      "_N_CODE_TAR.GZ;1",
      "SP_ACE.;1",
    ]);
  });

  it("limits names to level-2 lengths: 30 for name+extension (extension <= 8), 31 for directories", () => {
    const [file] = files(`${"x".repeat(40)}.extension-long`);
    expect(file).toBe(`${"X".repeat(22)}.EXTENSIO;1`);
    const [dir] = primaryIdentifiers([{ name: "d".repeat(64), isDir: true }]);
    expect(dir).toBe("D".repeat(31));
  });

  it("makes truncated clashes unique with a numeric tail that stays within the limit", () => {
    const names = Array.from({ length: 12 }, (_, i) => `${"y".repeat(40)}-${i}`);
    const ids = files(...names);
    expect(new Set(ids).size).toBe(12);
    for (const id of ids) expect(id.replace(/\.;1$/, "").length).toBeLessThanOrEqual(30);
    expect(ids[0]).toBe(`${"Y".repeat(30)}.;1`);
    expect(ids).toContain(`${"Y".repeat(28)}10.;1`);
  });

  it("treats a file and a directory that would read the same as a clash", () => {
    const ids = primaryIdentifiers([
      { name: "x", isDir: false },
      { name: "X", isDir: true },
    ]);
    expect(ids).toEqual(["X1.;1", "X"]);
  });

  it("does not depend on input order", () => {
    const names = ["b-c", "b_c", "B-C", "a.json", "a-json", "A_JSON"];
    const forward = new Map(names.map((n, i) => [n, files(...names)[i]]));
    const reversed = [...names].reverse();
    const backward = new Map(reversed.map((n, i) => [n, files(...reversed)[i]]));
    expect(backward).toEqual(forward);
  });
});

describe("9.3 ordering of primary identifiers", () => {
  it("compares the name part first (space padded), then the extension", () => {
    const sorted = ["B.;1", "A_.B;1", "A.Z;1", "AB", "A.B;1", "A0.;1"].sort(comparePrimary);
    expect(sorted).toEqual(["A.B;1", "A.Z;1", "A0.;1", "AB", "A_.B;1", "B.;1"]);
    // a plain string compare would put "A.0;1" first (";" is 0x3B, "0" is 0x30)
    expect(["A.0;1", "A.;1"].sort(comparePrimary)).toEqual(["A.;1", "A.0;1"]);
  });

  it("orders a name before its longer extensions (padding with spaces)", () => {
    expect(comparePrimary("ABC.;1", "ABCD.;1")).toBeLessThan(0);
    expect(comparePrimary("ABC.X;1", "ABC.;1")).toBeGreaterThan(0);
    expect(comparePrimary("SAME.EXT;1", "SAME.EXT;1")).toBe(0);
  });
});
