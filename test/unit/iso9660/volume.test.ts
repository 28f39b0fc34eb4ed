// Volume descriptors, system area, image size, path tables (ECMA-119 6.2, 8, 9.4).
import { describe, expect, it } from "vitest";
import { buildIso } from "../../../src/iso9660/index.ts";
import { DATE, RICH_DIRECTORIES, richFiles } from "./fixtures.ts";
import { ascii, both16, both32, dv, readDirectory, readPathTable, SECTOR, ucs2, volume, walk } from "./iso-reader.ts";

const image = buildIso({
  files: richFiles(),
  directories: RICH_DIRECTORIES,
  date: DATE,
  publisher: "bosh-ironic-cpi",
  applicationId: "unit test",
});
const pvd = volume(image, 16);
const svd = volume(image, 17);

describe("volume descriptors", () => {
  it("sizes the image as exactly volume space size x 2048, with a zero system area", () => {
    expect(image.length).toBe(both32(pvd.vd, 80) * SECTOR);
    expect(both32(svd.vd, 80)).toBe(both32(pvd.vd, 80));
    expect(image.subarray(0, 16 * SECTOR).every((b) => b === 0)).toBe(true);
  });

  it("writes PVD, Joliet SVD and terminator at blocks 16, 17, 18", () => {
    for (const [block, type] of [
      [16, 1],
      [17, 2],
      [18, 255],
    ] as const) {
      const vd = image.subarray(block * SECTOR, (block + 1) * SECTOR);
      expect([vd[0], ascii(vd.subarray(1, 6)), vd[6]]).toEqual([type, "CD001", 1]);
    }
    expect(image.subarray(18 * SECTOR + 7, 19 * SECTOR).every((b) => b === 0)).toBe(true);
  });

  it("fills the PVD fields", () => {
    const vd = pvd.vd;
    expect(ascii(vd.subarray(40, 72))).toBe("config-2".padEnd(32));
    expect(ascii(vd.subarray(8, 40))).toBe(" ".repeat(32));
    expect([both16(vd, 120), both16(vd, 124), both16(vd, 128)]).toEqual([1, 1, 2048]);
    expect(ascii(vd.subarray(318, 446))).toBe("bosh-ironic-cpi".padEnd(128));
    expect(ascii(vd.subarray(574, 702))).toBe("unit test".padEnd(128));
    expect(ascii(vd.subarray(702, 813))).toBe(" ".repeat(111));
    expect([vd[881], vd[882]]).toEqual([1, 0]);
    expect(vd.subarray(883, SECTOR).every((b) => b === 0)).toBe(true);
  });

  it("writes 17-byte dates in UTC from opts.date, expiration unspecified", () => {
    for (const vd of [pvd.vd, svd.vd]) {
      for (const off of [813, 830, 864]) {
        expect(ascii(vd.subarray(off, off + 16))).toBe("2024022923595899");
        expect(vd[off + 16]).toBe(0);
      }
      expect(ascii(vd.subarray(847, 863))).toBe("0".repeat(16));
      expect(vd[863]).toBe(0);
    }
  });

  it("fills the Joliet SVD in UCS-2 with escape %/E", () => {
    const vd = svd.vd;
    expect(ascii(vd.subarray(88, 91))).toBe("%/E");
    expect(vd.subarray(91, 120).every((b) => b === 0)).toBe(true);
    expect(ucs2(vd.subarray(40, 72))).toBe("config-2".padEnd(16));
    expect(ucs2(vd.subarray(318, 446))).toBe("bosh-ironic-cpi".padEnd(64));
    for (const off of [702, 739, 776]) {
      expect(ucs2(vd.subarray(off, off + 36))).toBe(" ".repeat(18));
      expect(vd[off + 36]).toBe(0);
    }
  });

  it("points the descriptor root records at their '.' records", () => {
    for (const v of [pvd, svd]) {
      expect([v.root.length, [...v.root.id], v.root.flags, v.root.su.length]).toEqual([34, [0], 2, 0]);
      const dot = readDirectory(image, v.root.extent, v.root.size)[0]!;
      expect([dot.extent, dot.size]).toEqual([v.root.extent, v.root.size]);
    }
    expect(svd.root.extent).not.toBe(pvd.root.extent);
  });

  it("honours a custom volume id in both descriptors", () => {
    const other = buildIso({ files: [], volumeId: "CIDATA", date: DATE });
    expect(ascii(other.subarray(16 * SECTOR + 40, 16 * SECTOR + 72))).toBe("CIDATA".padEnd(32));
    expect(ucs2(other.subarray(17 * SECTOR + 40, 17 * SECTOR + 72))).toBe("CIDATA".padEnd(16));
  });
});

describe("path tables", () => {
  for (const [label, v, names] of [
    ["primary", pvd, "iso"],
    ["joliet", svd, "joliet"],
  ] as const) {
    it(`${label}: L and M copies agree and list every directory with its extent and parent`, () => {
      const size = both32(v.vd, 132);
      const l = readPathTable(image, dv(v.vd).getUint32(140, true), size, true);
      const m = readPathTable(image, dv(v.vd).getUint32(148, false), size, false);
      expect(m).toEqual(l);
      expect([dv(v.vd).getUint32(144, true), dv(v.vd).getUint32(152, false)]).toEqual([0, 0]); // no optional copies
      expect(l[0]).toEqual({ id: Uint8Array.of(0), extent: v.root.extent, parent: 1 });

      const dirs = walk(image, v.root, names).filter((e) => e.isDir);
      expect(l.length).toBe(dirs.length + 1);
      const number = new Map(l.map((e, i) => [e.extent, i + 1]));
      for (const d of dirs) {
        const entry = l[number.get(d.rec.extent)! - 1]!;
        expect(entry.id).toEqual(d.rec.id);
        expect(entry.parent).toBe(number.get(d.parent.extent));
      }
      // 6.9.1: by level, then parent number, then identifier: parent numbers never decrease
      // and siblings appear in the same order as in their parent's directory.
      const parents = l.map((e) => e.parent);
      expect(parents).toEqual([...parents].sort((a, b) => a - b));
      for (let i = 2; i < l.length; i++) {
        if (l[i]!.parent === l[i - 1]!.parent) {
          const a = dirs.findIndex((d) => d.rec.extent === l[i - 1]!.extent);
          const b = dirs.findIndex((d) => d.rec.extent === l[i]!.extent);
          expect(a).toBeLessThan(b);
        }
      }
    });
  }
});
