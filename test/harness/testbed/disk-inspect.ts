// Looking at an emulated server's disk from outside, on its raw file: the partition table (sfdisk), a
// partition's bytes, the files of a config drive (osirrox), whether a disk holds anything at all.
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readSync, writeFileSync } from "node:fs";
import { run } from "./run.ts";

export interface Partition {
  /** 1-based, as Linux names it (sda1, sda2, ...) */
  readonly number: number;
  /** in bytes */
  readonly start: number;
  readonly size: number;
  /** MBR type (hex, e.g. "83") or GPT type GUID */
  readonly type: string;
  readonly bootable: boolean;
}

export interface PartitionTable {
  readonly label: "dos" | "gpt" | string;
  readonly partitions: readonly Partition[];
}

/** The disk's partition table, or undefined when it has none (sfdisk finds no label). */
export async function partitionTable(file: string): Promise<PartitionTable | undefined> {
  let out: string;
  try {
    out = await run("sfdisk", ["--json", file], { timeoutMs: 30_000 });
  } catch {
    return undefined;
  }
  if (!out.trim()) return undefined;
  const t = (
    JSON.parse(out) as {
      partitiontable: {
        label: string;
        sectorsize?: number;
        partitions?: { node: string; start: number; size: number; type: string; bootable?: boolean }[];
      };
    }
  ).partitiontable;
  const sector = t.sectorsize ?? 512;
  return {
    label: t.label,
    partitions: (t.partitions ?? []).map((p) => ({
      number: Number(/(\d+)$/.exec(p.node)?.[1]),
      start: p.start * sector,
      size: p.size * sector,
      type: p.type,
      bootable: p.bootable === true,
    })),
  };
}

/** Reads `length` bytes at `offset` of a file (a whole partition is a few MiB here). */
export function readRange(file: string, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const fd = openSync(file, "r");
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The partition's bytes into a file of its own (for blkid, osirrox). */
export function extractPartition(disk: string, p: Partition, dest: string): string {
  writeFileSync(dest, readRange(disk, p.start, p.size));
  return dest;
}

/** blkid's view of a file system image: TYPE, LABEL, ... */
export async function blkid(file: string): Promise<Record<string, string>> {
  const out = await run("blkid", ["-p", "-o", "export", file], { timeoutMs: 30_000 });
  return Object.fromEntries(
    out
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** Extracts every file of an ISO 9660 image (a config drive) into `dir` with xorriso's osirrox. */
export async function extractIso(iso: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await run("osirrox", ["-indev", iso, "-extract", "/", dir], { timeoutMs: 60_000 });
}

/**
 * True when every byte of the disk is zero: nothing was written to it. (Counting the file's blocks does
 * not tell: QEMU preallocates the first 4 KiB of each disk, unwritten, when the domain starts.)
 */
export function allZero(file: string): boolean {
  const chunk = 4 * 1024 * 1024;
  const zero = Buffer.alloc(chunk);
  const buf = Buffer.alloc(chunk);
  const fd = openSync(file, "r");
  try {
    for (let off = 0; ; off += chunk) {
      const n = readSync(fd, buf, 0, chunk, off);
      if (n === 0) return true;
      if (buf.compare(zero, 0, n, 0, n) !== 0) return false;
    }
  } finally {
    closeSync(fd);
  }
}
