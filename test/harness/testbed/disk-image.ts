// A small whole-disk image for proving the deploy chain without a stemcell: an MBR disk with one ext4
// partition (holding a marker file) whose boot code writes a marker line to the first serial port and
// halts, so "the server booted from its disk" is a line in its console file. Made in a second from
// source with binutils, sfdisk and mke2fs (-d fills the file system without mounting anything).
import { createHash } from "node:crypto";
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { run } from "./run.ts";

export interface TestDiskImage {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  /** what the boot code prints on the serial console */
  readonly bootMarker: string;
  /** /marker in the partition's file system */
  readonly fileMarker: string;
}

const MiB = 1024 * 1024;

/** Real-mode boot code: each byte of the message to COM1 (0x3f8) once its transmitter is empty, then hlt. */
function bootSource(message: string): string {
  return `.code16
.globl _start
_start:
  cli
  xor %ax, %ax
  mov %ax, %ds
  mov %ax, %ss
  mov $0x7c00, %sp
  mov $msg, %si
next:
  lodsb
  test %al, %al
  jz done
  mov %al, %bl
wait_thr:
  mov $0x3fd, %dx
  in %dx, %al
  test $0x20, %al
  jz wait_thr
  mov $0x3f8, %dx
  mov %bl, %al
  out %al, %dx
  jmp next
done:
  hlt
  jmp done
msg:
  .asciz "\\r\\n${message}\\r\\n"
`;
}

export async function makeTestDiskImage(
  dir: string,
  opts: { sizeMiB?: number; marker?: string } = {},
): Promise<TestDiskImage> {
  const sizeMiB = opts.sizeMiB ?? 64;
  const bootMarker = opts.marker ?? "TESTBED-DISK-BOOTED";
  if (!/^[A-Za-z0-9 _.-]{1,60}$/.test(bootMarker)) throw new Error(`disk image: bad marker ${bootMarker}`);
  mkdirSync(dir, { recursive: true });
  const work = join(dir, "disk-image-src");
  mkdirSync(join(work, "root"), { recursive: true });

  // the boot code, assembled and linked at 0x7c00 where the BIOS loads sector 0
  writeFileSync(join(work, "boot.S"), bootSource(bootMarker));
  await run("as", ["--32", "-o", join(work, "boot.o"), join(work, "boot.S")]);
  await run("ld", [
    "-m",
    "elf_i386",
    "-Ttext",
    "0x7c00",
    "--oformat",
    "binary",
    "-o",
    join(work, "boot.bin"),
    join(work, "boot.o"),
  ]);
  const code = readFileSync(join(work, "boot.bin"));
  if (code.length > 440) throw new Error(`disk image: boot code is ${code.length} bytes (at most 440)`);

  const path = join(dir, "test-disk.raw");
  const fd = openSync(path, "w", 0o644);
  try {
    ftruncateSync(fd, sizeMiB * MiB);
  } finally {
    closeSync(fd);
  }
  // one bootable Linux partition from 1 MiB to the end; IPA adds the config drive after the image's end
  await run("sfdisk", ["--quiet", path], { input: "label: dos\nstart=2048, type=83, bootable\n" });
  const fileMarker = `bosh-ironic-cpi test bed disk image ${bootMarker}\n`;
  writeFileSync(join(work, "root", "marker"), fileMarker);
  await run("mkfs.ext4", [
    "-F",
    "-q",
    "-L",
    "testroot",
    "-E",
    `offset=${MiB}`,
    "-d",
    join(work, "root"),
    path,
    `${(sizeMiB - 1) * 1024}k`,
  ]);
  // the boot code goes before the disk signature and the partition table (bytes 440..511)
  const out = openSync(path, "r+");
  try {
    writeSync(out, code, 0, code.length, 0);
  } finally {
    closeSync(out);
  }
  const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
  return { path, sizeBytes: sizeMiB * MiB, sha256, bootMarker, fileMarker };
}
