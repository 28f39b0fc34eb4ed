// A small but real OpenStack stemcell `image` file, as the director hands it to create_stemcell: a
// gzipped ustar archive holding root.img. Built in process (no tar binary), deterministic for a seed.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

/** One 512-byte ustar header for a regular file. */
export function ustarHeader(name: string, size: number, mtime = 1_700_000_000): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  h.write(octal(0o644, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(mtime, 12), 136, "ascii");
  h.write("        ", 148, "ascii"); // checksum is computed with its own field as spaces
  h.write("0", 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

/** root.img: an MBR-signed disk of `size` bytes whose content depends on `seed` (so checksums differ). */
export function rootImage(size: number, seed = "stemcell"): Buffer {
  const img = Buffer.alloc(size);
  let block = createHash("sha256").update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(img, off);
    block = createHash("sha256").update(block).digest();
  }
  if (size >= 512) {
    img[510] = 0x55;
    img[511] = 0xaa;
  }
  return img;
}

/** gzip(tar(root.img)). */
export function stemcellImage(size: number, seed?: string): Buffer {
  const img = rootImage(size, seed);
  const pad = Buffer.alloc((512 - (img.length % 512)) % 512);
  const tar = Buffer.concat([ustarHeader("root.img", img.length), img, pad, Buffer.alloc(1024)]);
  return gzipSync(tar, { level: 1 });
}

export function writeStemcellImage(
  path: string,
  size = 1024 * 1024,
  seed?: string,
): { path: string; sha256: string; size: number } {
  writeFileSync(path, stemcellImage(size, seed));
  return { path, sha256: createHash("sha256").update(rootImage(size, seed)).digest("hex"), size };
}

/** stemcell.MF cloud_properties of an OpenStack raw stemcell (what create_stemcell's 2nd argument holds). */
export function stemcellCloudProperties(version = "1.0"): Record<string, unknown> {
  return {
    name: "bosh-openstack-kvm-ubuntu-jammy-go_agent-raw",
    version,
    infrastructure: "openstack",
    hypervisor: "kvm",
    disk: 5120,
    disk_format: "raw",
    container_format: "bare",
    os_type: "linux",
    os_distro: "ubuntu",
    architecture: "x86_64",
    auto_disk_config: true,
  };
}
