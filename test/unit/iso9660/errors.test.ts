// Every input the writer cannot represent exactly fails with a typed IsoLimitError.
import { describe, expect, it } from "vitest";
import { buildIso, type IsoErrorCode, IsoLimitError, type IsoOptions } from "../../../src/iso9660/index.ts";
import { primaryNamespace } from "../../../src/iso9660/namespace.ts";
import { buildTree } from "../../../src/iso9660/tree.ts";
import { DATE, enc } from "./fixtures.ts";

const file = (path: string) => ({ path, data: enc("x") });

function codeOf(fn: () => unknown): IsoErrorCode | "no error" {
  try {
    fn();
    return "no error";
  } catch (e) {
    expect(e).toBeInstanceOf(IsoLimitError);
    expect((e as Error).name).toBe("IsoLimitError");
    return (e as IsoLimitError).code;
  }
}

const build = (o: Partial<IsoOptions>) => () => buildIso({ files: [], date: DATE, ...o });

describe("IsoLimitError", () => {
  it.each([
    ["", "INVALID_PATH"],
    ["/etc/passwd", "INVALID_PATH"],
    ["a/", "INVALID_PATH"],
    ["a//b", "INVALID_PATH"],
    [".", "INVALID_PATH"],
    ["a/./b", "INVALID_PATH"],
    ["a/../b", "INVALID_PATH"],
    ["..", "INVALID_PATH"],
    ["nul\u0000byte", "INVALID_NAME"],
    ["tab\there", "INVALID_NAME"],
    ["back\\slash", "INVALID_NAME"],
    ["semi;colon", "INVALID_NAME"],
    ["co:lon", "INVALID_NAME"],
    ["star*", "INVALID_NAME"],
    ["what?", "INVALID_NAME"],
    ["emoji-\u{1f600}", "INVALID_NAME"],
    ["lone-\ud800", "INVALID_NAME"],
    ["trailing-dot.", "INVALID_NAME"],
    ["x".repeat(65), "NAME_TOO_LONG"],
    [`dir/${"é".repeat(65)}`, "NAME_TOO_LONG"],
  ] as const)("file path %j -> %s", (path, code) => {
    expect(codeOf(build({ files: [file(path)] }))).toBe(code);
    expect(codeOf(build({ directories: [path] }))).toBe(code);
  });

  it("names the offending path in the message", () => {
    expect(build({ files: [file(`ok/${"z".repeat(70)}`)] })).toThrow(/zzzz.*64/);
  });

  it("accepts 64-character names (the Joliet limit) in files and directories", () => {
    expect(codeOf(build({ files: [file("x".repeat(64)), file(`${"d".repeat(64)}/${"€".repeat(64)}`)] }))).toBe(
      "no error",
    );
  });

  it("rejects duplicate paths", () => {
    expect(codeOf(build({ files: [file("a/b"), file("a/b")] }))).toBe("DUPLICATE_PATH");
    expect(codeOf(build({ directories: ["a/b", "a/b"] }))).toBe("DUPLICATE_PATH");
    // a directory that is also implied by a file is not a duplicate
    expect(codeOf(build({ files: [file("a/b")], directories: ["a"] }))).toBe("no error");
  });

  it("rejects a path that is both a file and a directory", () => {
    expect(codeOf(build({ files: [file("a"), file("a/b")] }))).toBe("PATH_CONFLICT");
    expect(codeOf(build({ files: [file("a/b"), file("a")] }))).toBe("PATH_CONFLICT");
    expect(codeOf(build({ files: [file("a")], directories: ["a"] }))).toBe("PATH_CONFLICT");
    expect(codeOf(build({ files: [file("a")], directories: ["a/b"] }))).toBe("PATH_CONFLICT");
  });

  it("allows 8 directory levels (root included) and no more (ECMA-119 6.8.2.1)", () => {
    const seven = "1/2/3/4/5/6/7"; // root + 7 = 8 levels
    expect(codeOf(build({ files: [file(`${seven}/file`)], directories: [seven] }))).toBe("no error");
    expect(codeOf(build({ directories: [`${seven}/8`] }))).toBe("TOO_DEEP");
    expect(codeOf(build({ files: [file(`${seven}/8/file`)] }))).toBe("TOO_DEEP");
  });

  it("rejects a file too large for the 32-bit data length", () => {
    const huge = new Uint8Array(0);
    Object.defineProperty(huge, "length", { value: 2 ** 32 });
    expect(codeOf(build({ files: [{ path: "huge", data: huge }] }))).toBe("FILE_TOO_LARGE");
  });

  it("rejects more directories than 16-bit path table parent numbers can address", () => {
    const dirs = Array.from({ length: 0xffff }, (_, i) => `d${i}`); // plus the root = 65536
    expect(codeOf(() => primaryNamespace(buildTree([], dirs)))).toBe("TOO_MANY_DIRECTORIES");
    expect(codeOf(() => primaryNamespace(buildTree([], dirs.slice(1))))).toBe("no error");
  });

  it("rejects unrepresentable volume, publisher and application identifiers", () => {
    for (const volumeId of ["", " config-2", "config-2 ", "x".repeat(17), "cönfig", "_config", "tab\t"]) {
      expect(codeOf(build({ volumeId }))).toBe("INVALID_IDENTIFIER");
    }
    expect(codeOf(build({ volumeId: "x".repeat(16) }))).toBe("no error");
    expect(codeOf(build({ publisher: "p".repeat(65) }))).toBe("INVALID_IDENTIFIER");
    expect(codeOf(build({ applicationId: "_FILE" }))).toBe("INVALID_IDENTIFIER");
    expect(codeOf(build({ publisher: "p".repeat(64), applicationId: "bosh-ironic-cpi 1.0" }))).toBe("no error");
  });

  it("rejects invalid dates", () => {
    expect(codeOf(build({ date: new Date("invalid") }))).toBe("INVALID_DATE");
    expect(codeOf(build({ date: new Date("1899-06-01T00:00:00Z") }))).toBe("INVALID_DATE");
  });
});
