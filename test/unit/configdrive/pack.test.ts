import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import {
  buildConfigDrive,
  configDriveFiles,
  ConfigDriveTooLargeError,
  gzipDeterministic,
  packConfigDriveIso,
} from "../../../src/configdrive/index.ts";

const DATE = new Date("2026-11-21T12:00:00Z");
const files = (userData = '{"agent_id":"a"}') =>
  configDriveFiles({
    instanceId: "vm-1",
    name: "n",
    hostname: "a",
    publicKeys: [],
    userData,
    networkData: { links: [], networks: [], services: [] },
  });
const unpack = (packed: string) => new Uint8Array(gunzipSync(Buffer.from(packed, "base64")));

describe("packing", () => {
  test("base64(gzip(iso)) on one line decodes to the very same ISO", () => {
    const { iso, packed } = buildConfigDrive(files(), DATE, 64 * 1024);
    expect(packed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(unpack(packed)).equals(Buffer.from(iso))).toBe(true);
    expect(iso.length % 2048).toBe(0);
    expect(new TextDecoder().decode(iso.subarray(16 * 2048 + 1, 16 * 2048 + 6))).toBe("CD001");
    expect(new TextDecoder().decode(iso.subarray(16 * 2048 + 40, 16 * 2048 + 48))).toBe("config-2");
  });

  test("gzip header: no name, no mtime, OS byte Unix (deterministic across platforms)", () => {
    const gz = gzipDeterministic(new TextEncoder().encode("hello"));
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]); // deflate, FLG = 0 (no FNAME/FEXTRA/FCOMMENT)
    expect([...gz.subarray(4, 8)]).toEqual([0, 0, 0, 0]); // MTIME
    expect(gz[8]).toBe(0); // XFL: neither fastest nor maximum compression (level 6)
    expect(gz[9]).toBe(3); // OS: Unix
  });

  test("same files and date -> byte-identical ISO and string; another date -> another ISO", () => {
    const a = buildConfigDrive(files(), DATE, 64 * 1024);
    const b = buildConfigDrive(files(), new Date(DATE), 64 * 1024);
    expect(b.packed).toBe(a.packed);
    expect(buildConfigDrive(files(), new Date("2027-01-01T00:00:00Z"), 64 * 1024).packed).not.toBe(a.packed);
  });

  test("over max_packed_bytes: a typed error carrying the size; exactly at the limit is fine", () => {
    const { iso, packed } = buildConfigDrive(files(), DATE, 64 * 1024);
    expect(packConfigDriveIso(iso, packed.length)).toBe(packed);
    let err: unknown;
    try {
      packConfigDriveIso(iso, packed.length - 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigDriveTooLargeError);
    expect(err).toMatchObject({ code: "CONFIG_DRIVE_TOO_LARGE", size: packed.length, limit: packed.length - 1 });
  });

  test("incompressible settings push a drive over 64 KiB", () => {
    let x = 1;
    const noise = Array.from({ length: 60_000 }, () => {
      x = (x * 48271) % 2147483647;
      return String.fromCharCode(33 + (x % 90));
    }).join("");
    expect(() => buildConfigDrive(files(JSON.stringify({ noise })), DATE, 64 * 1024)).toThrow(ConfigDriveTooLargeError);
  });
});
