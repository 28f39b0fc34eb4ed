import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { StemcellImageError } from "../../../src/stemcell/errors.ts";
import { openRootImage } from "../../../src/stemcell/image.ts";
import { buildTar, qcow2Image, rawImage, stemcellImage } from "./tar-builder.ts";

const dir = mkdtempSync(join(tmpdir(), "stemcell-image-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (bytes: Buffer) => {
  const p = join(dir, `image-${n++}`);
  writeFileSync(p, bytes);
  return p;
};

async function readAll(path: string) {
  const img = await openRootImage(path);
  const chunks: Buffer[] = [];
  try {
    for await (const c of img.body) chunks.push(c as Buffer);
  } catch {
    // the body fails with the raw cause; `done` says what is wrong with the image
  }
  return { size: img.size, data: Buffer.concat(chunks), digest: await img.done };
}

describe("openRootImage", () => {
  it("streams root.img out of a gzipped tar, with its size up front and checksums at the end", async () => {
    const root = qcow2Image(1_000_000);
    const r = await readAll(file(stemcellImage(root)));
    expect(r.size).toBe(root.length);
    expect(r.data.equals(root)).toBe(true);
    expect(r.digest).toMatchObject({
      size: root.length,
      format: "qcow2",
      sha256: createHash("sha256").update(root).digest("hex"),
    });
  });

  it("also takes a plain (not gzipped) tar", async () => {
    const root = rawImage(10_000);
    expect((await readAll(file(buildTar([{ name: "root.img", data: root }])))).data.equals(root)).toBe(true);
  });

  it.each([
    [
      "CORRUPT_GZIP",
      "a flipped byte in the deflate data",
      () => {
        const gz = stemcellImage(rawImage(200_000));
        gz[gz.length >> 1]! ^= 0xff;
        return gz;
      },
    ],
    ["CORRUPT_GZIP", "a cut-off gzip stream", () => stemcellImage(rawImage(200_000)).subarray(0, 5000)],
    [
      "CORRUPT_GZIP",
      "a wrong CRC in the trailer",
      () => {
        const gz = stemcellImage(rawImage(20_000));
        gz[gz.length - 6]! ^= 0xff;
        return gz;
      },
    ],
    ["NO_ROOT_IMG", "a tar without root.img", () => gzipSync(buildTar([{ name: "image-disk1.vmdk", data: "x" }]))],
    ["NOT_TAR", "random bytes", () => Buffer.from("this is not an archive at all".repeat(40))],
    ["EMPTY", "an empty root.img", () => stemcellImage(Buffer.alloc(0))],
  ])("fails with %s for %s", async (problem, _what, make) => {
    const err = await readAll(file(make())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StemcellImageError);
    expect(err).toMatchObject({ problem });
  });

  it("fails with UNREADABLE for a missing file", async () => {
    await expect(openRootImage(join(dir, "missing"))).rejects.toMatchObject({ problem: "UNREADABLE" });
  });

  it("a consumer that breaks (an upload that failed) is not blamed on the image", async () => {
    const img = await openRootImage(file(stemcellImage(rawImage(2_000_000))));
    img.body.destroy(new Error("socket hang up"));
    const err = await img.done.catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(StemcellImageError);
    expect(err).toMatchObject({ message: "socket hang up" });
  });

  it("abort() stops reading and rejects done", async () => {
    const img = await openRootImage(file(stemcellImage(rawImage(2_000_000))));
    img.abort();
    await expect(img.done).rejects.toMatchObject({ name: "AbortError" });
  });
});
