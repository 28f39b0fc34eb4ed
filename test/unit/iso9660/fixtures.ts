import type { IsoFile } from "../../../src/iso9660/index.ts";

export const DATE = new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 996)); // leap day, centiseconds 99

export const enc = (s: string) => new TextEncoder().encode(s);

/** Deterministic pseudo-random bytes (xorshift32), so multi-sector data is not all one value. */
export function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const VERSIONS = ["2012-08-10", "2015-10-15", "2016-06-30", "latest"];
export const OPENSTACK_FILES = ["meta_data.json", "user_data", "network_data.json", "vendor_data.json"];

export function configDriveFiles(): IsoFile[] {
  return [
    {
      path: "ec2/latest/meta-data.json",
      data: enc('{"instance-id":"vm-1","public-keys":{"0":{"openssh-key":"ssh-ed25519 AAAA"}}}'),
    },
    { path: "ec2/latest/user-data", data: enc('{"agent_id":"a1"}') },
    ...VERSIONS.flatMap((v) => OPENSTACK_FILES.map((f) => ({ path: `openstack/${v}/${f}`, data: enc(`${v}/${f}\n`) }))),
  ];
}

/** Config drive plus the awkward cases: empty, 5 KB, 300 KB, deep, 64-char names, empty dir. */
export function richFiles(): IsoFile[] {
  return [
    ...configDriveFiles(),
    { path: "empty-file", data: new Uint8Array(0) },
    { path: "five-kb.bin", data: noise(5 * 1024, 5) },
    { path: "three-hundred-kb.bin", data: noise(300 * 1024, 300) },
    { path: "a/b/c/d/e/f/g/deepest-file", data: enc("deep") },
    { path: `${"n".repeat(60)}.txt`, data: enc("64 ascii") },
    { path: "é".repeat(64), data: enc("64 two-byte characters") },
    { path: "€".repeat(64), data: enc("64 three-byte characters") },
  ];
}

export const RICH_DIRECTORIES = ["openstack/content", "empty-dir"];
