// ECMA-119 9.1 directory records and 6.8.1 directory extents.
import { putBoth16, putBoth32, SECTOR } from "./bytes.ts";

export interface RecordFields {
  id: Uint8Array; // 0x00 for ".", 0x01 for "..", else the namespace's identifier bytes
  extent: number;
  size: number;
  isDir: boolean;
  date7: Uint8Array;
  systemUse?: Uint8Array;
}

const FIXED = 33; // bytes before the file identifier
const FLAG_DIRECTORY = 0x02; // 9.1.6

/** 9.1.12: a padding byte follows an even-length identifier so System Use starts even. */
function headLength(idLength: number): number {
  return FIXED + idLength + (idLength % 2 === 0 ? 1 : 0);
}

/**
 * Room left for the System Use field: the record length is one byte (9.1.1), and records are
 * kept even-length (as genisoimage and libisofs write them), so 254 is the largest usable.
 */
export function systemUseRoom(idLength: number): number {
  return 254 - headLength(idLength);
}

export function directoryRecord(f: RecordFields): Uint8Array {
  const head = headLength(f.id.length);
  const su = f.systemUse ?? new Uint8Array(0);
  const length = head + su.length + ((head + su.length) % 2);
  if (length > 254) throw new Error(`internal: directory record of ${length} bytes`);
  const rec = new Uint8Array(length);
  rec[0] = length; // 9.1.1
  rec[1] = 0; // 9.1.2: no extended attribute record
  putBoth32(rec, 2, f.extent); // 9.1.3
  putBoth32(rec, 10, f.size); // 9.1.4
  rec.set(f.date7, 18); // 9.1.5
  rec[25] = f.isDir ? FLAG_DIRECTORY : 0; // 9.1.6
  // 26, 27: file unit size and interleave gap 0 (not interleaved)
  putBoth16(rec, 28, 1); // 9.1.9: volume sequence number
  rec[32] = f.id.length; // 9.1.10
  rec.set(f.id, FIXED);
  rec.set(su, head);
  return rec;
}

/**
 * 6.8.1.1: a record never crosses a logical block boundary; the rest of a block is zero.
 * The extent is a whole number of blocks and its data length says so (as genisoimage does).
 */
export function packDirectory(records: readonly Uint8Array[]): Uint8Array {
  let blocks = 0;
  let offset = SECTOR;
  const placed: [number, Uint8Array][] = [];
  for (const rec of records) {
    if (offset + rec.length > SECTOR) {
      blocks++;
      offset = 0;
    }
    placed.push([(blocks - 1) * SECTOR + offset, rec]);
    offset += rec.length;
  }
  const out = new Uint8Array(blocks * SECTOR);
  for (const [at, rec] of placed) out.set(rec, at);
  return out;
}
