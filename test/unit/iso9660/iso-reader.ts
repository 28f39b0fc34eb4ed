// A deliberately independent, strict mini reader for the unit tests: it shares no code with
// src/iso9660 and throws on anything a strict reader would reject (both-endian halves that
// disagree, records crossing a block, non-zero padding, SUSP entries running over).

export const SECTOR = 2048;

export function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** ECMA-119 7.3.3: LE then BE; both halves must agree. */
export function both32(b: Uint8Array, off: number): number {
  const le = dv(b).getUint32(off, true);
  const be = dv(b).getUint32(off + 4, false);
  if (le !== be) throw new Error(`both-endian 32-bit field at ${off}: LE ${le} != BE ${be}`);
  return le;
}

export function both16(b: Uint8Array, off: number): number {
  const le = dv(b).getUint16(off, true);
  const be = dv(b).getUint16(off + 2, false);
  if (le !== be) throw new Error(`both-endian 16-bit field at ${off}: LE ${le} != BE ${be}`);
  return le;
}

export const ascii = (b: Uint8Array) => String.fromCharCode(...b);
export const ucs2 = (b: Uint8Array) => new TextDecoder("utf-16be").decode(b);
export const utf8 = (b: Uint8Array) => new TextDecoder("utf-8", { fatal: true }).decode(b);

export interface DirRecord {
  at: number; // absolute byte offset
  length: number;
  extent: number;
  size: number;
  date7: Uint8Array;
  flags: number;
  id: Uint8Array;
  su: Uint8Array;
}

export function parseRecord(image: Uint8Array, at: number): DirRecord {
  const length = image[at]!;
  const r = image.subarray(at, at + length);
  const idLen = r[32]!;
  const suStart = 33 + idLen + (idLen % 2 === 0 ? 1 : 0);
  if (suStart > length) throw new Error(`record at ${at}: identifier overruns record`);
  if (r[1] !== 0) throw new Error(`record at ${at}: extended attribute length ${r[1]}`);
  if (both16(r, 28) !== 1) throw new Error(`record at ${at}: volume sequence number`);
  if (idLen % 2 === 0 && r[33 + idLen] !== 0) throw new Error(`record at ${at}: pad byte not zero`);
  return {
    at,
    length,
    extent: both32(r, 2),
    size: both32(r, 10),
    date7: r.slice(18, 25),
    flags: r[25]!,
    id: r.slice(33, 33 + idLen),
    su: r.slice(suStart),
  };
}

/** All records of a directory extent; checks 6.8.1.1 (no record crosses a block, zeros after). */
export function readDirectory(image: Uint8Array, extent: number, size: number): DirRecord[] {
  if (size % SECTOR !== 0) throw new Error(`directory at ${extent}: size ${size} not whole blocks`);
  const out: DirRecord[] = [];
  for (let block = 0; block < size / SECTOR; block++) {
    const base = (extent + block) * SECTOR;
    let off = 0;
    while (off < SECTOR && image[base + off] !== 0) {
      const rec = parseRecord(image, base + off);
      if (off + rec.length > SECTOR) throw new Error(`record at ${base + off} crosses a block boundary`);
      if (rec.length % 2 !== 0) throw new Error(`record at ${base + off} has odd length ${rec.length}`);
      out.push(rec);
      off += rec.length;
    }
    if (image.subarray(base + off, base + SECTOR).some((x) => x !== 0))
      throw new Error(`junk after records in block ${extent + block}`);
  }
  return out;
}

export interface SuspEntry {
  sig: string;
  data: Uint8Array; // bytes after the 4-byte header
}

/** SUSP entries of a System Use field (a trailing single zero pad byte is allowed). */
export function suspEntries(su: Uint8Array): SuspEntry[] {
  const out: SuspEntry[] = [];
  let off = 0;
  while (su.length - off >= 4) {
    const len = su[off + 2]!;
    if (len < 4 || off + len > su.length) throw new Error(`SUSP entry ${ascii(su.subarray(off, off + 2))} overruns`);
    if (su[off + 3] !== 1) throw new Error("SUSP entry version is not 1");
    out.push({ sig: ascii(su.subarray(off, off + 2)), data: su.slice(off + 4, off + len) });
    off += len;
  }
  if (su.length - off > 1 || (su.length - off === 1 && su[off] !== 0)) throw new Error("bad SUSP tail");
  return out;
}

/** Entries of a record with its CE continuation followed (SUSP 5.1). */
export function rockRidge(image: Uint8Array, rec: DirRecord, skip = 0): SuspEntry[] {
  const entries = suspEntries(rec.su.subarray(skip));
  const ce = entries.find((e) => e.sig === "CE");
  if (!ce) return entries;
  const [block, offset, length] = [both32(ce.data, 0), both32(ce.data, 8), both32(ce.data, 16)];
  if (offset + length > SECTOR) throw new Error("continuation area crosses a block");
  const start = block * SECTOR + offset;
  return [...entries, ...suspEntries(image.subarray(start, start + length))];
}

export interface PathTableEntry {
  id: Uint8Array;
  extent: number;
  parent: number;
}

export function readPathTable(image: Uint8Array, block: number, size: number, littleEndian: boolean): PathTableEntry[] {
  const t = image.subarray(block * SECTOR, block * SECTOR + size);
  const out: PathTableEntry[] = [];
  let off = 0;
  while (off < size) {
    const len = t[off]!;
    if (len === 0) throw new Error(`path table entry at ${off} has empty identifier`);
    out.push({
      id: t.slice(off + 8, off + 8 + len),
      extent: dv(t).getUint32(off + 2, littleEndian),
      parent: dv(t).getUint16(off + 6, littleEndian),
    });
    off += 8 + len + (len % 2);
  }
  if (off !== size) throw new Error("path table size does not match its entries");
  return out;
}

export interface Volume {
  vd: Uint8Array;
  root: DirRecord;
  joliet: boolean;
}

export function volume(image: Uint8Array, block: number): Volume {
  const vd = image.subarray(block * SECTOR, (block + 1) * SECTOR);
  return { vd, root: parseRecord(image, block * SECTOR + 156), joliet: vd[0] === 2 };
}

export interface Entry {
  path: string;
  rec: DirRecord;
  isDir: boolean;
  parent: DirRecord; // the directory's "." record
}

/** Walks one hierarchy; names come from NM (rr), UCS-2 (joliet) or raw identifiers (iso). */
export function walk(image: Uint8Array, root: DirRecord, names: "rr" | "joliet" | "iso"): Entry[] {
  const out: Entry[] = [];
  const visit = (dir: DirRecord, prefix: string) => {
    const recs = readDirectory(image, dir.extent, dir.size);
    for (const rec of recs.slice(2)) {
      let name: string;
      if (names === "joliet") name = ucs2(rec.id);
      else if (names === "iso") name = ascii(rec.id);
      else
        name = rockRidge(image, rec)
          .filter((e) => e.sig === "NM")
          .map((e) => utf8(e.data.subarray(1)))
          .join("");
      const isDir = (rec.flags & 2) !== 0;
      out.push({ path: prefix + name, rec, isDir, parent: recs[0]! });
      if (isDir) visit(rec, `${prefix}${name}/`);
    }
  };
  visit(root, "");
  return out;
}

export function fileData(image: Uint8Array, rec: DirRecord): Uint8Array {
  return image.subarray(rec.extent * SECTOR, rec.extent * SECTOR + rec.size);
}
