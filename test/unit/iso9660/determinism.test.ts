// Same input -> same bytes: no clock, no randomness, no dependence on input order.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildIso, type IsoFile } from "../../../src/iso9660/index.ts";
import { DATE, RICH_DIRECTORIES, richFiles } from "./fixtures.ts";

/** Seeded Fisher-Yates (Park-Miller), so a failure is reproducible. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 48271) % 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("determinism", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const reference = buildIso({ files: richFiles(), directories: RICH_DIRECTORIES, date: DATE });

  it("builds identical bytes twice, whatever the clock says", () => {
    vi.useFakeTimers({ now: new Date("2001-02-03T04:05:06Z") });
    const a = buildIso({ files: richFiles(), directories: RICH_DIRECTORIES, date: DATE });
    vi.setSystemTime(new Date("2099-09-09T09:09:09Z"));
    const b = buildIso({ files: richFiles(), directories: RICH_DIRECTORIES, date: DATE });
    expect(same(a, reference)).toBe(true);
    expect(same(b, reference)).toBe(true);
  });

  it.each([1, 2, 3, 42, 4242])("does not depend on the order of files and directories (seed %i)", (seed) => {
    const files: IsoFile[] = shuffle(richFiles(), seed);
    const directories = shuffle(RICH_DIRECTORIES, seed + 1);
    expect(same(buildIso({ files, directories, date: DATE }), reference)).toBe(true);
  });

  it("does not depend on the order of names that clash in the primary tree", () => {
    const clash = ["meta-data.json", "meta_data.json", "META-DATA.JSON", "x", "X.txt", "x.TXT"];
    const files = clash.map((path, i) => ({ path: `d/${path}`, data: new Uint8Array([i]) }));
    const a = buildIso({ files, date: DATE });
    const b = buildIso({ files: [...files].reverse(), date: DATE });
    expect(same(a, b)).toBe(true);
  });

  it("changes the bytes when the date changes (the date is really used)", () => {
    const other = buildIso({
      files: richFiles(),
      directories: RICH_DIRECTORIES,
      date: new Date(DATE.getTime() + 1000),
    });
    expect(other.length).toBe(reference.length);
    expect(same(other, reference)).toBe(false);
  });

  it("does not keep or mutate the caller's buffers", () => {
    const data = new Uint8Array([1, 2, 3]);
    const image = buildIso({ files: [{ path: "f", data }], date: DATE });
    data[0] = 9;
    expect(same(image, buildIso({ files: [{ path: "f", data: new Uint8Array([1, 2, 3]) }], date: DATE }))).toBe(true);
  });
});

describe("purity of src/iso9660", () => {
  const dir = fileURLToPath(new URL("../../../src/iso9660/", import.meta.url));
  const sources = readdirSync(dir).filter((f) => f.endsWith(".ts"));

  it("imports nothing but sibling files (and the one way errors are named, src/errors.ts)", () => {
    expect(sources.length).toBeGreaterThan(5);
    for (const f of sources) {
      const text = readFileSync(dir + f, "utf8");
      const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]);
      for (const s of specifiers) expect(s, `${f} imports ${s}`).toMatch(/^(\.\/[a-z0-9-]+|\.\.\/errors)\.ts$/);
    }
  });

  it("never reads the clock, randomness or the process", () => {
    for (const f of sources) {
      const code = readFileSync(dir + f, "utf8").replace(/\/\/.*$/gm, "");
      for (const banned of [
        /Date\.now/,
        /new Date\(/,
        /Math\.random/,
        /\bprocess\b/,
        /\brequire\(/,
        /performance\./,
        /crypto/,
      ]) {
        expect(code, `${f} uses ${banned}`).not.toMatch(banned);
      }
    }
  });
});
