import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StemcellImageError } from "../../../src/stemcell/errors.ts";
import { TarMemberExtractor, memberName } from "../../../src/stemcell/tar-extract.ts";
import { buildTar, type TarEntry } from "./tar-builder.ts";

/** Feeds `archive` in the given chunk sizes; resolves with the member's bytes and header info. */
async function extract(archive: Buffer, sizes: number[] = [archive.length]) {
  const chunks: Buffer[] = [];
  let pos = 0;
  for (let i = 0; pos < archive.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? archive.length);
    chunks.push(archive.subarray(pos, pos + n));
    pos += n;
  }
  const x = new TarMemberExtractor();
  const out: Buffer[] = [];
  let announced: unknown;
  x.on("member", (m) => (announced = m));
  await pipeline(Readable.from(chunks), x, async function* (src) {
    for await (const c of src) out.push(c as Buffer);
  });
  return { data: Buffer.concat(out), member: x.member, announced };
}

const root = randomBytes(5000);
const longDir = `${"very-long-directory-name/".repeat(6)}`;

describe("TarMemberExtractor", () => {
  it("passes on root.img's bytes only, announcing name and size first", async () => {
    const tar = buildTar([
      { name: "stemcell.MF", data: "name: x\n" },
      { name: "root.img", data: root },
      { name: "after.txt", data: "z" },
    ]);
    const r = await extract(tar);
    expect(r.data.equals(root)).toBe(true);
    expect(r.announced).toEqual({ name: "root.img", size: root.length });
  });

  it("finds ./root.img as root.img", async () => {
    expect(memberName("././root.img")).toBe("root.img");
    expect((await extract(buildTar([{ name: "./root.img", data: root }]))).data.equals(root)).toBe(true);
  });

  it.each(["gnu", "pax", "prefix"] as const)(
    "reads %s long names (of other members and of root.img itself)",
    async (longName) => {
      const entries: TarEntry[] = [
        { name: `${longDir}notes-${"n".repeat(60)}.txt`, data: "other", longName },
        { name: "root.img", data: root },
      ];
      expect((await extract(buildTar(entries))).data.equals(root)).toBe(true);
      // a long name that only *ends* in root.img is another file
      const nested = buildTar([{ name: `${longDir}root.img`, data: "nested", longName }]);
      await expect(extract(nested)).rejects.toMatchObject({ problem: "NO_ROOT_IMG" });
    },
  );

  it("a pax path record renames the next entry to root.img; pax size overrides the header", async () => {
    const tar = buildTar([
      { name: "ignored-name", data: root, pax: { path: "./root.img", size: String(root.length) } },
    ]);
    expect((await extract(tar)).data.equals(root)).toBe(true);
  });

  it("reads a base-256 size field", async () => {
    expect((await extract(buildTar([{ name: "root.img", data: root, base256Size: true }]))).data.equals(root)).toBe(
      true,
    );
  });

  it("whatever the chunking of the input, the output is root.img's bytes", async () => {
    const tar = buildTar([
      { name: `${longDir}x`, data: "x".repeat(700), longName: "gnu" },
      { name: "root.img", data: root },
      { name: "y", data: "y" },
    ]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 20 }), async (sizes) => {
        expect((await extract(tar, sizes)).data.equals(root)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("accepts an archive without end blocks and ignores whatever follows them", async () => {
    expect((await extract(buildTar([{ name: "root.img", data: root }], { end: false }))).data.equals(root)).toBe(true);
    const trailing = Buffer.concat([buildTar([{ name: "root.img", data: root }]), randomBytes(3000)]);
    expect((await extract(trailing)).data.equals(root)).toBe(true);
  });

  it.each([
    ["NO_ROOT_IMG", buildTar([{ name: "image.vmdk", data: "x" }])],
    ["TRUNCATED", buildTar([{ name: "root.img", data: root }]).subarray(0, 2048)],
    ["TRUNCATED", buildTar([{ name: "root.img", data: root }]).subarray(0, 700)],
    ["NOT_A_FILE", buildTar([{ name: "root.img", type: "2", linkname: "/etc/passwd" }])],
    [
      "DUPLICATE",
      buildTar([
        { name: "root.img", data: "a" },
        { name: "./root.img", data: "b" },
      ]),
    ],
    ["NOT_TAR", randomBytes(4096)],
  ])("fails with %s", async (problem, archive) => {
    const err = await extract(archive).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StemcellImageError);
    expect(err).toMatchObject({ problem });
  });
});
