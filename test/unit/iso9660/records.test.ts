// Directory records, Rock Ridge and Joliet trees, file data (ECMA-119 6.8, 9.1, 9.3; SUSP; RRIP).
import { describe, expect, it } from "vitest";
import { buildIso } from "../../../src/iso9660/index.ts";
import { DATE, enc, noise, RICH_DIRECTORIES, richFiles } from "./fixtures.ts";
import {
  ascii,
  both32,
  fileData,
  readDirectory,
  rockRidge,
  SECTOR,
  suspEntries,
  utf8,
  volume,
  walk,
} from "./iso-reader.ts";

const files = richFiles();
const image = buildIso({ files, directories: RICH_DIRECTORIES, date: DATE });
const pvd = volume(image, 16);
const svd = volume(image, 17);
const rr = walk(image, pvd.root, "rr");
const joliet = walk(image, svd.root, "joliet");
const iso = walk(image, pvd.root, "iso");
const DATE7 = [124, 2, 29, 23, 59, 58, 0];

function expectedPaths(): string[] {
  const set = new Set<string>();
  for (const p of [...files.map((f) => f.path), ...RICH_DIRECTORIES]) {
    const parts = p.split("/");
    for (let i = 1; i <= parts.length; i++) set.add(parts.slice(0, i).join("/"));
  }
  return [...set].sort();
}

/** 9.3 for d-character identifiers: name, then extension, each space padded. */
function primaryOrder(a: string, b: string): number {
  const split = (s: string) => s.replace(/;1$/, "").split(".");
  const [an = "", ae = ""] = split(a);
  const [bn = "", be = ""] = split(b);
  const pad = (x: string, y: string) => [x.padEnd(y.length), y.padEnd(x.length)] as const;
  const [x1, y1] = pad(an, bn);
  const [x2, y2] = pad(ae, be);
  return x1 < y1 ? -1 : x1 > y1 ? 1 : x2 < y2 ? -1 : x2 > y2 ? 1 : 0;
}

describe("directory hierarchies", () => {
  it("Rock Ridge and Joliet both list exactly the source tree", () => {
    expect(rr.map((e) => e.path).sort()).toEqual(expectedPaths());
    expect(joliet.map((e) => e.path).sort()).toEqual(expectedPaths());
  });

  it("maps primary names to d-characters like genisoimage, unique per directory", () => {
    const paths = iso.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "EC2/LATEST/META_DATA.JSON;1",
        "EC2/LATEST/USER_DATA.;1",
        "OPENSTACK/2012_08_10/NETWORK_DATA.JSON;1",
        "OPENSTACK/LATEST/USER_DATA.;1",
        "OPENSTACK/CONTENT",
        "EMPTY_DIR",
        "A/B/C/D/E/F/G/DEEPEST_FILE.;1",
      ]),
    );
    for (const e of iso) {
      const id = ascii(e.rec.id);
      expect(id).toMatch(e.isDir ? /^[A-Z0-9_]{1,31}$/ : /^[A-Z0-9_]+\.[A-Z0-9_]*;1$/);
      if (!e.isDir) expect(id.length - 2).toBeLessThanOrEqual(31);
    }
    expect(new Set(paths).size).toBe(paths.length);
  });

  it("starts every directory with '.' and '..' pointing at itself and its parent", () => {
    for (const v of [pvd, svd]) {
      const check = (dir: { extent: number; size: number }, parent: { extent: number; size: number }) => {
        const [dot, dotdot] = readDirectory(image, dir.extent, dir.size);
        expect([[...dot!.id], dot!.extent, dot!.size, dot!.flags]).toEqual([[0], dir.extent, dir.size, 2]);
        expect([[...dotdot!.id], dotdot!.extent, dotdot!.size, dotdot!.flags]).toEqual([
          [1],
          parent.extent,
          parent.size,
          2,
        ]);
      };
      check(v.root, v.root);
      for (const e of walk(image, v.root, v.joliet ? "joliet" : "iso")) if (e.isDir) check(e.rec, e.parent);
    }
  });

  it("sorts entries as ECMA-119 9.3 requires, per namespace", () => {
    for (const [v, cmp] of [
      [pvd, (a: Uint8Array, b: Uint8Array) => primaryOrder(ascii(a), ascii(b))],
      [svd, (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b)],
    ] as const) {
      const dirs = [
        v.root,
        ...walk(image, v.root, "iso")
          .filter((e) => e.isDir)
          .map((e) => e.rec),
      ];
      for (const d of dirs) {
        const ids = readDirectory(image, d.extent, d.size)
          .slice(2)
          .map((r) => r.id);
        expect(ids).toEqual([...ids].sort(cmp));
      }
    }
  });

  it("gives every record the date of opts.date and the right flags", () => {
    for (const e of [...rr, ...joliet]) {
      expect([...e.rec.date7]).toEqual(DATE7);
      expect(e.rec.flags).toBe(e.isDir ? 2 : 0);
    }
  });

  it("makes empty directories one block with only '.' and '..'", () => {
    for (const tree of [rr, joliet]) {
      const dir = tree.find((e) => e.path === "empty-dir")!;
      expect(dir.rec.size).toBe(SECTOR);
      expect(readDirectory(image, dir.rec.extent, dir.rec.size)).toHaveLength(2);
    }
  });
});

describe("Rock Ridge", () => {
  const rootRecords = readDirectory(image, pvd.root.extent, pvd.root.size);

  it("announces SUSP with SP first in the root '.' and RRIP_1991A in an ER via CE", () => {
    const entries = rockRidge(image, rootRecords[0]!);
    expect(entries[0]).toEqual({ sig: "SP", data: Uint8Array.of(0xbe, 0xef, 0) });
    expect(suspEntries(rootRecords[0]!.su).map((e) => e.sig)).toEqual(["SP", "RR", "PX", "TF", "CE"]);
    const er = entries.find((e) => e.sig === "ER")!;
    const [idLen, desLen, srcLen, version] = er.data;
    expect([idLen, version]).toEqual([10, 1]);
    expect(ascii(er.data.subarray(4, 14))).toBe("RRIP_1991A");
    expect(4 + idLen! + desLen! + srcLen!).toBe(er.data.length);
  });

  it("writes PX like genisoimage -r: uid/gid 0, files 0444 with one link, dirs 0555 with 2+subdirs", () => {
    for (const e of rr) {
      const px = rockRidge(image, e.rec).find((x) => x.sig === "PX")!;
      expect(px.data.length).toBe(32); // RRIP 1.09: no inode number
      const [mode, links, uid, gid] = [0, 8, 16, 24].map((o) => both32(px.data, o));
      const subdirs = rr.filter(
        (c) => c.isDir && c.path.startsWith(`${e.path}/`) && !c.path.slice(e.path.length + 1).includes("/"),
      ).length;
      expect([mode, links, uid, gid]).toEqual(e.isDir ? [0o40555, 2 + subdirs, 0, 0] : [0o100444, 1, 0, 0]);
    }
  });

  it("writes TF (modify, access, attributes) and an RR flags entry on every record", () => {
    for (const e of rr) {
      const entries = rockRidge(image, e.rec);
      const tf = entries.find((x) => x.sig === "TF")!;
      expect([...tf.data]).toEqual([0x0e, ...DATE7, ...DATE7, ...DATE7]);
      expect(entries.find((x) => x.sig === "RR")!.data[0]).toBe(0x89); // PX | NM | TF
    }
  });

  it("keeps NM in the record when it fits and moves it to a continuation area when not", () => {
    const inline = rr.find((e) => e.path === `${"n".repeat(60)}.txt`)!;
    expect(suspEntries(inline.rec.su).map((x) => x.sig)).toEqual(["RR", "NM", "PX", "TF"]);
    for (const name of ["é".repeat(64), "€".repeat(64)]) {
      const spilled = rr.find((e) => e.path === name)!;
      expect(suspEntries(spilled.rec.su).map((x) => x.sig)).toEqual(["RR", "PX", "TF", "CE"]);
      const nm = rockRidge(image, spilled.rec).filter((x) => x.sig === "NM");
      expect(nm).toHaveLength(1);
      expect(nm[0]!.data[0]).toBe(0); // no CONTINUE flag: whole name in one entry
      expect(utf8(nm[0]!.data.subarray(1))).toBe(name);
    }
  });

  it("leaves the Joliet records without System Use", () => {
    for (const e of joliet) expect(e.rec.su.length).toBe(0);
  });
});

describe("file data", () => {
  const volumeBlocks = image.length / SECTOR;

  it("reads every file back byte for byte through Rock Ridge and through Joliet, sharing extents", () => {
    for (const f of files) {
      const a = rr.find((e) => e.path === f.path)!.rec;
      const b = joliet.find((e) => e.path === f.path)!.rec;
      expect(Buffer.from(fileData(image, a)).equals(Buffer.from(f.data))).toBe(true);
      expect([b.extent, b.size]).toEqual([a.extent, a.size]);
    }
  });

  it("keeps file extents inside the volume and apart from each other", () => {
    const used = new Map<number, string>();
    for (const e of rr.filter((x) => !x.isDir && x.rec.size > 0)) {
      const blocks = Math.ceil(e.rec.size / SECTOR);
      expect(e.rec.extent + blocks).toBeLessThanOrEqual(volumeBlocks);
      for (let b = e.rec.extent; b < e.rec.extent + blocks; b++) {
        expect(used.get(b)).toBeUndefined();
        used.set(b, e.path);
      }
    }
    const empty = rr.find((e) => e.path === "empty-file")!.rec;
    expect([empty.size, empty.extent < volumeBlocks]).toEqual([0, true]);
  });

  it("handles a directory spanning several blocks and a path table over one block", () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ path: `wide/entry-number-${i}.json`, data: enc(String(i)) }));
    const dirs = Array.from({ length: 200 }, (_, i) => `dirs/a-directory-with-a-long-name-${i}`);
    const wide = buildIso({ files: many, directories: dirs, date: DATE });
    const v = volume(wide, 16);
    expect(both32(v.vd, 132)).toBeGreaterThan(SECTOR);
    for (const [vol, names] of [
      [v, "rr"],
      [volume(wide, 17), "joliet"],
    ] as const) {
      const entries = walk(wide, vol.root, names);
      const w = entries.find((e) => e.path === "wide")!;
      expect(w.rec.size).toBeGreaterThan(SECTOR);
      expect(
        entries
          .filter((e) => e.path.startsWith("wide/"))
          .map((e) => e.path)
          .sort(),
      ).toEqual(many.map((f) => f.path).sort());
      expect(entries.filter((e) => e.path.startsWith("dirs/"))).toHaveLength(200);
    }
    const big = noise(3 * SECTOR + 1, 7);
    const one = buildIso({ files: [{ path: "big", data: big }], date: DATE });
    const rec = walk(one, volume(one, 16).root, "rr")[0]!.rec;
    expect(Buffer.from(fileData(one, rec)).equals(Buffer.from(big))).toBe(true);
    expect(one.length / SECTOR).toBe(rec.extent + 4); // last block of the file ends the volume
  });

  it("builds a valid image with no files at all", () => {
    const empty = buildIso({ files: [], date: DATE });
    for (const block of [16, 17]) {
      const v = volume(empty, block);
      expect(readDirectory(empty, v.root.extent, v.root.size)).toHaveLength(2);
    }
    expect(empty.length).toBe(both32(empty, 16 * SECTOR + 80) * SECTOR);
  });
});
