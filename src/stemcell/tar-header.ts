// One tar header block, decoded: POSIX ustar (name + prefix), old GNU ("ustar  "), numbers in octal
// or GNU base-256 (sizes of 8 GiB and more), checked against the header checksum. Pure.
import { StemcellImageError } from "./errors.ts";

export const BLOCK = 512;

export interface TarHeader {
  /** Full name from the block itself (ustar prefix joined); long-name records override it. */
  name: string;
  size: number;
  /** Type flag: "0" file, "5" directory, "L" GNU long name, "x" pax header, … ("\0" is read as "0"). */
  type: string;
}

/** Bytes an entry of `size` occupies, padded to whole blocks. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function cString(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString("utf8", start, end === -1 || end > start + length ? start + length : end);
}

/** Octal digits padded with spaces/NULs, or (first byte 0x80) a big-endian base-256 number. */
export function parseNumber(field: Buffer, what: string): number {
  const first = field[0] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw new StemcellImageError("NOT_TAR", `tar header: negative ${what}`);
    let n = first & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    if (!Number.isSafeInteger(n)) throw new StemcellImageError("NOT_TAR", `tar header: ${what} too large`);
    return n;
  }
  const text = field
    .toString("latin1")
    .replace(/[\0 ]+$/, "")
    .replace(/^ +/, "");
  if (!/^[0-7]*$/.test(text)) throw new StemcellImageError("NOT_TAR", `tar header: ${what} is not an octal number`);
  return text === "" ? 0 : parseInt(text, 8);
}

/**
 * Header checksum: the block's byte sum with the checksum field counted as spaces (unsigned, or signed as some old
 * tars wrote it).
 */
function checksumMatches(block: Buffer): boolean {
  const stored = parseNumber(block.subarray(148, 156), "checksum");
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const b = block[i] ?? 0;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

export function parseHeader(block: Buffer): TarHeader {
  if (!checksumMatches(block)) throw new StemcellImageError("NOT_TAR", "not a tar archive (header checksum mismatch)");
  const name = cString(block, 0, 100);
  const size = parseNumber(block.subarray(124, 136), "size");
  const flag = String.fromCharCode(block[156] ?? 0);
  // POSIX ustar ("ustar\0" + "00") has a name prefix at 345; old GNU ("ustar  \0") uses those bytes otherwise
  const posix = block.toString("latin1", 257, 263) === "ustar\0";
  const prefix = posix ? cString(block, 345, 155) : "";
  return { name: prefix ? `${prefix}/${name}` : name, size, type: flag === "\0" ? "0" : flag };
}

/** pax extended header records: "<length> <key>=<value>\n", the length counting the whole record. */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // NUL padding
    const space = data.indexOf(0x20, pos);
    const length = space > pos ? Number(data.toString("latin1", pos, space)) : NaN;
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length) {
      throw new StemcellImageError("NOT_TAR", "malformed pax extended header");
    }
    const record = data.toString("utf8", space + 1, pos + length - 1); // drop the trailing "\n"
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}
