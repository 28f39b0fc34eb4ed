import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Cid } from "../../../src/protocol/shapes.ts";
import { UnsafeKeyError } from "../../../src/webdav/errors.ts";
import { checkSegment, parentKeys, storeKey } from "../../../src/webdav/paths.ts";
import { TRAVERSALS } from "./traversals.ts";

describe("store keys", () => {
  it("joins safe segments into a path below the base", () => {
    const k = storeKey("registry", "instances", "5c0e7b3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "settings");
    expect(k.path).toBe("/registry/instances/5c0e7b3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f/settings");
    expect(storeKey("stemcell-1", "root.img").segments).toEqual(["stemcell-1", "root.img"]);
    expect(storeKey("stemcell_ubuntu-x86_64-3262.12.qcow2").path).toBe("/stemcell_ubuntu-x86_64-3262.12.qcow2");
  });

  it.each(TRAVERSALS)("rejects %j with a typed error", (bad) => {
    expect(() => storeKey("stemcells", bad)).toThrow(UnsafeKeyError);
    expect(() => checkSegment(bad)).toThrow(UnsafeKeyError);
  });

  it("names the reason and shows control characters escaped", () => {
    expect(() => checkSegment("a\nb")).toThrow('"a\\nb": contains a control character');
    expect(() => checkSegment("..%2fx")).toThrow(/contains '\.\.'/);
    expect(() => checkSegment("%2f")).toThrow(/percent-encoding/);
    expect(() => checkSegment("a/b")).toThrow(/path separator/);
    expect(() => storeKey()).toThrow(UnsafeKeyError);
  });

  it("lists parent collections outermost first", () => {
    expect(parentKeys(storeKey("a", "b", "c")).map((k) => k.path)).toEqual(["/a", "/a/b"]);
    expect(parentKeys(storeKey("a"))).toEqual([]);
  });

  it("every accepted segment stays one segment: no separator, no percent, no dot-dot (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
        let ok = true;
        try {
          checkSegment(s);
        } catch (e) {
          ok = false;
          expect(e).toBeInstanceOf(UnsafeKeyError);
        }
        if (ok) {
          expect(s).not.toMatch(/[/\\%\s]|\.\.|[\u0000-\u001f\u007f]/);
          expect(encodeURIComponent(s).replace(/%3A/g, ":")).toBe(s);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("every valid CID is a safe segment (the CPI's own ids never hit UnsafeKeyError)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,80}$/), (s) => {
        if (Cid.safeParse(s).success) expect(checkSegment(s)).toBe(s);
      }),
    );
  });
});
