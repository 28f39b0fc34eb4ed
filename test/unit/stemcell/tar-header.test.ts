import { describe, expect, it } from "vitest";
import { StemcellImageError } from "../../../src/stemcell/errors.ts";
import { isZeroBlock, paddedSize, parseHeader, parseNumber, parsePax } from "../../../src/stemcell/tar-header.ts";
import { header } from "./tar-builder.ts";

describe("tar header", () => {
  it("reads name, size and type of a POSIX ustar header", () => {
    expect(parseHeader(header("root.img", 12345))).toEqual({ name: "root.img", size: 12345, type: "0" });
  });

  it("joins the ustar prefix, but not for old GNU headers (whose bytes there mean something else)", () => {
    expect(parseHeader(header("root.img", 1, {}, "some/dir")).name).toBe("some/dir/root.img");
    expect(parseHeader(header("root.img", 1, { gnuMagic: true })).name).toBe("root.img");
  });

  it("reads a NUL type flag as a regular file", () => {
    const h = header("a", 0);
    h[156] = 0;
    // recompute the checksum for the changed byte
    h.write("        ", 148, "latin1");
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    expect(parseHeader(h).type).toBe("0");
  });

  it("reads GNU base-256 sizes (8 GiB and more)", () => {
    const big = 12 * 1024 ** 3;
    expect(parseHeader(header("root.img", big, { base256Size: true })).size).toBe(big);
  });

  it("rejects a block whose checksum does not match: not a tar archive", () => {
    const h = header("root.img", 1);
    h[0] = "x".charCodeAt(0);
    expect(() => parseHeader(h)).toThrow(StemcellImageError);
    expect(() => parseHeader(Buffer.alloc(512, 0x41))).toThrow(/not a tar archive|octal/);
  });

  it("parses octal numbers padded with spaces and NULs, and refuses junk", () => {
    expect(parseNumber(Buffer.from(" 0000644 \0"), "mode")).toBe(0o644);
    expect(parseNumber(Buffer.from("\0\0\0\0"), "size")).toBe(0);
    expect(() => parseNumber(Buffer.from("12a4\0"), "size")).toThrow(/octal/);
    expect(() => parseNumber(Buffer.from([0xff, 0, 0, 1]), "size")).toThrow(/negative/);
  });

  it("parses pax records, lengths counting the whole record, UTF-8 values", () => {
    const recs = Buffer.from("29 path=a/very/long/root.img\n11 size=42\n16 comment=é x\n");
    expect(parsePax(recs)).toEqual({ path: "a/very/long/root.img", size: "42", comment: "é x" });
    expect(() => parsePax(Buffer.from("99 path=x\n"))).toThrow(/pax/);
  });

  it("pads to blocks and spots zero blocks", () => {
    expect([0, 1, 512, 513].map(paddedSize)).toEqual([0, 512, 512, 1024]);
    expect(isZeroBlock(Buffer.alloc(512))).toBe(true);
    expect(isZeroBlock(header("a", 0))).toBe(false);
  });
});
