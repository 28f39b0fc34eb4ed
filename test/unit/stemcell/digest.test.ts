import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { DigestStream } from "../../../src/stemcell/digest.ts";
import { ParallelHashes } from "../../../src/stemcell/hash-thread.ts";
import { qcow2Image } from "./tar-builder.ts";

const hex = (algo: string, b: Buffer) => createHash(algo).update(b).digest("hex");

async function digestOf(chunks: Buffer[], opts: { md5?: boolean } = {}) {
  const d = new DigestStream(opts);
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), d, async function* (src) {
    for await (const c of src) out.push(c as Buffer);
  });
  return { result: d.result, out: Buffer.concat(out) };
}

describe("DigestStream", () => {
  it("passes bytes through unchanged and hashes them with sha256 (on a thread)", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const chunks = [data.subarray(0, 3), data.subarray(3, 2_000_000), data.subarray(2_000_000)];
    const { result, out } = await digestOf(chunks);
    expect(out.equals(data)).toBe(true);
    expect(result).toEqual({ size: data.length, sha256: hex("sha256", data), format: "raw" });
  });

  it("adds md5 only when asked to (Ironic before Ussuri)", async () => {
    const data = randomBytes(1024 * 1024 + 5);
    const { result } = await digestOf([data.subarray(0, 7), data.subarray(7)], { md5: true });
    expect(result).toEqual({ size: data.length, sha256: hex("sha256", data), md5: hex("md5", data), format: "raw" });
  });

  it("sniffs the format from the first bytes even when they arrive one at a time", async () => {
    const img = qcow2Image(4096);
    const chunks = [img.subarray(0, 1), img.subarray(1, 2), img.subarray(2, 3), img.subarray(3)];
    expect((await digestOf(chunks)).result?.format).toBe("qcow2");
  });

  it("reports the running byte count", async () => {
    const counts: number[] = [];
    const d = new DigestStream({ onBytes: (n) => counts.push(n) });
    await pipeline(Readable.from([Buffer.alloc(10), Buffer.alloc(5)]), d, async function* (src) {
      for await (const _ of src);
    });
    expect(counts).toEqual([10, 15]);
  });
});

describe("ParallelHashes", () => {
  it("hashes more data than its ring holds (slots are reused), in several algorithms at once", async () => {
    const data = randomBytes(20 * 1024 * 1024);
    const h = new ParallelHashes(["md5", "sha256", "sha1"] as const);
    for (let i = 0; i < data.length; i += 3_000_000) await h.update(data.subarray(i, i + 3_000_000));
    expect(await h.result()).toEqual({ md5: hex("md5", data), sha256: hex("sha256", data), sha1: hex("sha1", data) });
  });

  it("fails, instead of hanging, once destroyed", async () => {
    const h = new ParallelHashes(["md5"] as const);
    h.destroy();
    await expect(h.result()).rejects.toThrow(/stopped/);
  });
});
