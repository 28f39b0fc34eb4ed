// src/iso9660 images read back by independent readers: isoinfo, xorriso/osirrox, 7-Zip and
// strict pycdlib. Each tree is written to disk next to the image so every reader can be
// compared with the real files. A missing reader fails the test (see test/support/iso-readers.ts).
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIso, type IsoFile, type IsoOptions } from "../../src/iso9660/index.ts";
import {
  checkConfigDrive,
  diffTrees,
  isoinfoDescribe,
  isoinfoList,
  listTree,
  makeTempDir,
  osirroxExtract,
  READERS,
  removeTree,
  sevenZipExtract,
  sevenZipTest,
  xorrisoAssertVolid,
} from "../support/iso-readers.ts";

const DATE = new Date("2026-11-21T15:58:09.470Z");
const enc = (s: string) => new TextEncoder().encode(s);

function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function configDrive(): IsoFile[] {
  const versions = ["2012-08-10", "2015-10-15", "2016-06-30", "latest"];
  const names = ["meta_data.json", "user_data", "network_data.json", "vendor_data.json"];
  return [
    {
      path: "ec2/latest/meta-data.json",
      data: enc('{"instance-id":"i-1","public-keys":{"0":{"openssh-key":"ssh-ed25519 AAAA k"}}}'),
    },
    { path: "ec2/latest/user-data", data: enc('{"agent_id":"agent-1","vm":{"name":"vm-1"}}') },
    ...versions.flatMap((v) =>
      names.map((n) => ({ path: `openstack/${v}/${n}`, data: enc(`{"version":"${v}","file":"${n}"}`) })),
    ),
  ];
}

interface Tree {
  name: string;
  options: IsoOptions;
}

const TREES: Tree[] = [
  { name: "config-drive", options: { files: configDrive(), date: DATE } },
  {
    name: "awkward",
    options: {
      files: [
        ...configDrive(),
        { path: "openstack/content/0000", data: new Uint8Array(0) }, // empty file
        { path: "five-kb.bin", data: noise(5 * 1024, 5) }, // over one sector
        { path: "three-hundred-kb.bin", data: noise(300 * 1024, 300) }, // 150 sectors
        { path: "l1/l2/l3/l4/l5/l6/l7/deepest-allowed.txt", data: enc("8 levels incl. the root") },
        { path: `${"long-name-".repeat(6)}1234`, data: enc("64 ascii characters") },
        { path: "é".repeat(64), data: enc("64 latin-1 characters: Rock Ridge NM in a continuation area") },
      ],
      directories: ["empty-dir", "l1/l2/empty-too"],
      date: DATE,
      publisher: "bosh-ironic-cpi",
      applicationId: "iso9660-readers test",
    },
  },
  {
    name: "wide",
    options: {
      files: Array.from({ length: 150 }, (_, i) => ({
        path: `many/file-${String(i).padStart(3, "0")}.json`,
        data: enc(`{"i":${i}}`),
      })),
      directories: Array.from({ length: 150 }, (_, i) => `dirs/directory-with-a-long-name-${i}`),
      date: DATE,
    },
  },
  {
    name: "only-empty",
    options: { files: [{ path: "empty", data: new Uint8Array(0) }], directories: ["nothing-here"], date: DATE },
  },
];

let work: string;
const paths = (name: string) => ({
  iso: join(work, `${name}.iso`),
  src: join(work, name, "src"),
  out: join(work, name),
});

function writeSource(root: string, options: IsoOptions): void {
  mkdirSync(root, { recursive: true });
  for (const d of options.directories ?? []) mkdirSync(join(root, d), { recursive: true });
  for (const f of options.files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.data);
  }
}

beforeAll(() => {
  work = makeTempDir("iso9660-readers-");
  for (const t of TREES) {
    const p = paths(t.name);
    writeSource(p.src, t.options);
    writeFileSync(p.iso, buildIso(t.options));
  }
});

afterAll(() => {
  if (work) removeTree(work);
});

it("has every reader installed (a missing one is a failure, not a skip)", () => {
  for (const bin of Object.values(READERS)) expect(() => statSync(bin), bin).not.toThrow();
});

describe.each(TREES.map((t) => t.name))("tree %s", (name) => {
  it("xorriso accepts volume id config-2 exactly, and rejects CONFIG-2 and cidata", () => {
    const { iso } = paths(name);
    const ok = xorrisoAssertVolid(iso, "config-2");
    expect(ok.code, ok.log).toBe(0);
    for (const wrong of ["CONFIG-2", "cidata"]) {
      const r = xorrisoAssertVolid(iso, wrong);
      expect(r.code, r.log).not.toBe(0);
    }
  });

  it("isoinfo -d: volume id, Rock Ridge and Joliet present, volume size x 2048 == file size", () => {
    const { iso } = paths(name);
    const d = isoinfoDescribe(iso);
    expect(d.volumeId, d.text).toBe("config-2");
    expect(d.rockRidge, d.text).toBe(true);
    expect(d.joliet, d.text).toBe(true);
    expect(d.volumeSize! * 2048).toBe(statSync(iso).size);
  });

  it("isoinfo -R -f and -J -f list exactly the source tree", () => {
    const { iso, src } = paths(name);
    const expected = listTree(src);
    expect(isoinfoList(iso, "rr")).toEqual(expected);
    expect(isoinfoList(iso, "joliet")).toEqual(expected);
    expect(isoinfoList(iso, "iso")).toHaveLength(expected.length); // primary: mapped names, same count
  });

  it("osirrox extracts every file byte for byte through Rock Ridge and through Joliet", () => {
    const { iso, src, out } = paths(name);
    for (const ns of ["rr", "joliet"] as const) {
      const dest = join(out, `osirrox-${ns}`);
      osirroxExtract(iso, dest, ns);
      expect(diffTrees(src, dest), `osirrox ${ns}`).toEqual([]);
      if (ns === "rr") expect(statSync(join(dest, listTree(src)[0]!)).mode & 0o777).toBeOneOf([0o444, 0o555]);
    }
  });

  it("passes the strict pycdlib checker in both namespaces", () => {
    const { iso, src } = paths(name);
    const r = checkConfigDrive(iso, src);
    expect(r.code, r.log).toBe(0);
    expect(r.stdout.toString()).toMatch(/^OK .*volid=config-2 rock_ridge=1\.09 joliet=True/);
  });

  it("passes 7z t, and 7z x (Joliet) reproduces the tree", () => {
    const { iso, src, out } = paths(name);
    const r = sevenZipTest(iso);
    expect(r.code, r.log).toBe(0);
    expect(r.stdout.toString()).toMatch(/Everything is Ok/);
    const dest = join(out, "7z");
    sevenZipExtract(iso, dest);
    // 7-Zip creates no output directory for an archive without entries; none of ours is empty
    expect(diffTrees(src, dest), "7z x").toEqual([]);
  });

  it("is byte-identical when built again, from shuffled input", () => {
    const t = TREES.find((x) => x.name === name)!;
    const again = buildIso({
      ...t.options,
      files: [...t.options.files].reverse(),
      directories: [...(t.options.directories ?? [])].reverse(),
    });
    expect(Buffer.from(again).equals(readFileSync(paths(name).iso))).toBe(true);
  });
});

describe("a custom volume id", () => {
  it("is what every reader sees", () => {
    const dir = join(work, "cidata");
    const src = join(dir, "src");
    const iso = join(dir, "cidata.iso");
    const options: IsoOptions = {
      volumeId: "cidata",
      files: [
        { path: "meta-data", data: enc("instance-id: i-1\n") },
        { path: "user-data", data: enc("#cloud-config\n") },
      ],
      date: DATE,
    };
    writeSource(src, options);
    writeFileSync(iso, buildIso(options));
    expect(xorrisoAssertVolid(iso, "cidata").code).toBe(0);
    expect(xorrisoAssertVolid(iso, "config-2").code).not.toBe(0);
    expect(isoinfoDescribe(iso).volumeId).toBe("cidata");
    const r = checkConfigDrive(iso, src, { volid: "cidata" });
    expect(r.code, r.log).toBe(0);
    expect(checkConfigDrive(iso, src).code).not.toBe(0); // the checker's default wants config-2
  });
});

describe("the readers catch broken images (so the checks above can fail)", () => {
  const corrupt = (label: string, patch: (image: Buffer) => void) => {
    const { iso } = paths("awkward");
    const image = Buffer.from(readFileSync(iso));
    patch(image);
    const file = join(work, `broken-${label}.iso`);
    writeFileSync(file, image);
    return file;
  };
  const src = () => paths("awkward").src;

  it("a big-endian volume space size that disagrees with the little-endian one", () => {
    const iso = corrupt("be-size", (b) => b.writeUInt32BE(b.readUInt32LE(16 * 2048 + 80) + 1, 16 * 2048 + 84));
    expect(checkConfigDrive(iso, src()).code).not.toBe(0);
    expect(sevenZipTest(iso).code).not.toBe(0);
  });

  it("an M path table entry pointing at the wrong extent", () => {
    const iso = corrupt("m-table", (b) => {
      const m = b.readUInt32BE(16 * 2048 + 148) * 2048;
      b.writeUInt32BE(b.readUInt32BE(m + 2) + 1, m + 2);
    });
    const r = checkConfigDrive(iso, src());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/path table/i);
  });

  it("a changed byte of file data, and a source tree with one file more", () => {
    const iso = corrupt("data", (b) => {
      const at = b.indexOf("64 latin-1 characters");
      b[at] = 0x37;
    });
    expect(checkConfigDrive(iso, src()).stderr).toMatch(/content of .* differs/);
    const dest = join(work, "broken-data-rr");
    osirroxExtract(iso, dest, "rr");
    expect(diffTrees(src(), dest)).toEqual([`content differs /${"é".repeat(64)}`]);
    writeFileSync(join(dest, "extra"), "x");
    expect(diffTrees(src(), dest)).toContain("unexpected /extra");
  });
});
