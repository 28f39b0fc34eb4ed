// ECMA-119 9.4 path tables: every directory once, in 6.9.1 order, so a reader can find a
// directory without walking the tree. Written twice per hierarchy: type L (little-endian
// numbers) and type M (big-endian), 8.4.14-8.4.17.
import { put16, put32 } from "./bytes.ts";
import type { Namespace, NsDir } from "./namespace.ts";

function recordLength(dir: NsDir): number {
  return 8 + dir.id.length + (dir.id.length % 2); // 9.4.6: pad byte after an odd identifier
}

/** 8.4.13: the size is of the table itself, without padding to the block. */
export function pathTableSize(ns: Namespace): number {
  return ns.dirs.reduce((n, d) => n + recordLength(d), 0);
}

export function pathTable(ns: Namespace, extentOf: (dir: NsDir) => number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(pathTableSize(ns));
  let off = 0;
  for (const dir of ns.dirs) {
    out[off] = dir.id.length; // 9.4.1
    out[off + 1] = 0; // 9.4.2: no extended attribute record
    put32(out, off + 2, extentOf(dir), littleEndian); // 9.4.3
    put16(out, off + 6, dir.parent?.number ?? 1, littleEndian); // 9.4.4: the root's parent is itself
    out.set(dir.id, off + 8); // 9.4.5
    off += recordLength(dir);
  }
  return out;
}
