// ECMA-119 8.4 primary and 8.5 supplementary (Joliet) volume descriptors, and the 8.3
// terminator. Both descriptors share one layout; Joliet writes its texts in UCS-2 and
// announces itself through the escape sequences field.
import { putAscii, putBoth16, putBoth32, put32, putUcs2, SECTOR } from "./bytes.ts";
import { unspecifiedVolumeDate, volumeDate } from "./datetime.ts";
import { IsoLimitError } from "./errors.ts";
import { JOLIET_ESCAPE } from "./joliet.ts";

export interface DescriptorFields {
  volumeId: string;
  publisher: string;
  applicationId: string;
  blocks: number;
  pathTableSize: number;
  pathL: number;
  pathM: number;
  root: Uint8Array; // 34-byte root directory record (8.4.18)
  date: Date;
}

// Printable ASCII without leading/trailing spaces (fields are space padded, 8.4.5).
const PRINTABLE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * Identifiers must read back unchanged through both descriptors: Joliet has 16 UCS-2
 * characters for the volume id and 64 for publisher/application (half the primary's bytes).
 * A leading "_" would mean "name of a file in the root" (8.4.20), so it is refused.
 */
export function checkIdentifier(field: string, value: unknown, max: number, required: boolean): void {
  if (value === "" && !required) return;
  if (typeof value !== "string" || !PRINTABLE.test(value) || value.length > max || value.startsWith("_")) {
    throw new IsoLimitError(
      "INVALID_IDENTIFIER",
      `${field} ${JSON.stringify(value)}: need 1..${max} printable ASCII characters, no surrounding spaces, no ` +
        `leading "_"`,
    );
  }
}

function descriptor(type: number, joliet: boolean, f: DescriptorFields): Uint8Array {
  const vd = new Uint8Array(SECTOR);
  const text = joliet ? putUcs2 : putAscii;
  vd[0] = type; // 8.4.1
  putAscii(vd, 1, 5, "CD001"); // 8.4.2 standard identifier
  vd[6] = 1; // 8.4.3 version
  text(vd, 8, 32, ""); // 8.4.5 system identifier (not specified)
  text(vd, 40, 32, f.volumeId); // 8.4.6
  putBoth32(vd, 80, f.blocks); // 8.4.8 volume space size
  if (joliet) putAscii(vd, 88, 3, JOLIET_ESCAPE); // 8.5.6 escape sequences, rest of the field zero
  putBoth16(vd, 120, 1); // 8.4.10 volume set size
  putBoth16(vd, 124, 1); // 8.4.11 volume sequence number
  putBoth16(vd, 128, SECTOR); // 8.4.12 logical block size
  putBoth32(vd, 132, f.pathTableSize); // 8.4.13
  put32(vd, 140, f.pathL, true); // 8.4.14 type L path table (no optional copy: 0)
  put32(vd, 148, f.pathM, false); // 8.4.16 type M path table
  vd.set(f.root, 156); // 8.4.18
  text(vd, 190, 128, ""); // 8.4.19 volume set identifier
  text(vd, 318, 128, f.publisher); // 8.4.20
  text(vd, 446, 128, ""); // 8.4.21 data preparer
  text(vd, 574, 128, f.applicationId); // 8.4.22
  text(vd, 702, 37, ""); // 8.4.23-25 copyright, abstract, bibliographic file identifiers
  text(vd, 739, 37, "");
  text(vd, 776, 37, "");
  const date = volumeDate(f.date);
  vd.set(date, 813); // 8.4.26 creation
  vd.set(date, 830); // 8.4.27 modification
  vd.set(unspecifiedVolumeDate(), 847); // 8.4.28 expiration: never
  vd.set(date, 864); // 8.4.29 effective
  vd[881] = 1; // 8.4.30 file structure version
  return vd;
}

export const primaryDescriptor = (f: DescriptorFields) => descriptor(1, false, f);
export const jolietDescriptor = (f: DescriptorFields) => descriptor(2, true, f);

/** 8.3: type 255 ends the descriptor set. */
export function terminator(): Uint8Array {
  const vd = new Uint8Array(SECTOR);
  vd[0] = 255;
  putAscii(vd, 1, 5, "CD001");
  vd[6] = 1;
  return vd;
}
