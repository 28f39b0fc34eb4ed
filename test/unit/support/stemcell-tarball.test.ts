// The lifecycle's stemcell is a real one: GNU tar lists and extracts root.img with the right bytes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { rootImage, writeStemcellImage } from "../../support/stemcell-tarball.ts";

test("gzip(tar(root.img)) that tar reads back byte for byte", () => {
  const dir = mkdtempSync(join(tmpdir(), "stemcell-"));
  const img = writeStemcellImage(join(dir, "image"), 100_000, "seed-1");
  expect(execFileSync("tar", ["-tvzf", img.path], { encoding: "utf8" })).toMatch(/ 100000 .*root\.img\n$/);
  execFileSync("tar", ["-xzf", img.path, "-C", dir]);
  const out = readFileSync(join(dir, "root.img"));
  expect(out.equals(rootImage(100_000, "seed-1"))).toBe(true);
  expect(out.subarray(510, 512)).toEqual(Buffer.from([0x55, 0xaa]));
  expect(rootImage(4096, "a").equals(rootImage(4096, "b"))).toBe(false);
});
