// Packs the config-2 tree the way Ironic's `configdrive` field wants it: ISO9660 (Rock Ridge +
// Joliet, label config-2) -> gzip -> base64, one line (as openstacksdk's configdrive.build() and the
// 2016 CPI's make_configdrive). Deterministic: same files and date, same string.
import { NamedError } from "../errors.ts";
import { gzipSync } from "node:zlib";
import { type IsoFile, buildIso } from "../iso9660/index.ts";
import { configDriveDirectories } from "./layout.ts";

export const CONFIG_DRIVE_LABEL = "config-2";

/** The packed drive is larger than Ironic should store inline (config_drive.max_packed_bytes). */
export class ConfigDriveTooLargeError extends NamedError {
  readonly code = "CONFIG_DRIVE_TOO_LARGE";
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`packed config drive is ${size} bytes, more than the limit of ${limit} bytes`);
  }
}

/**
 * gzip level 6 (level 9 takes ~15x longer on a config drive for ~2 % fewer bytes: an ISO of mostly
 * zeros) without a name or mtime (zlib writes neither), and the header's OS byte forced to
 * 3 (Unix): zlib sets it at compile time (19 on macOS builds), and `bosh create-env` runs on laptops.
 */
export function gzipDeterministic(data: Uint8Array): Uint8Array {
  const gz = new Uint8Array(gzipSync(data, { level: 6 }));
  gz[9] = 3;
  return gz;
}

export function packConfigDriveIso(iso: Uint8Array, maxPackedBytes: number): string {
  const packed = Buffer.from(gzipDeterministic(iso)).toString("base64");
  if (packed.length > maxPackedBytes) throw new ConfigDriveTooLargeError(packed.length, maxPackedBytes);
  return packed;
}

export interface PackedConfigDrive {
  iso: Uint8Array;
  /** base64(gzip(iso)): the `configdrive` value of the provision request. */
  packed: string;
}

/** ISO + packing. May throw IsoLimitError (from the writer) or ConfigDriveTooLargeError. */
export function buildConfigDrive(files: IsoFile[], date: Date, maxPackedBytes: number): PackedConfigDrive {
  const iso = buildIso({
    volumeId: CONFIG_DRIVE_LABEL,
    files,
    directories: configDriveDirectories(),
    date,
    publisher: "bosh-ironic-cpi",
    applicationId: "bosh-ironic-cpi config drive",
  });
  return { iso, packed: packConfigDriveIso(iso, maxPackedBytes) };
}
