// Where everything goes, in blocks. Sizes are measured by rendering once with a draft layout
// (every location field is fixed-width, so locations never change sizes), then placed:
//
//   0-15   system area (6.2.1, zero)      16 PVD, 17 Joliet SVD, 18 terminator (6.7.1)
//   path tables: primary L, primary M, Joliet L, Joliet M
//   primary directories (path table order), Rock Ridge continuation blocks,
//   Joliet directories (path table order), file data (in path order, shared by both trees)
import { SECTOR, sectorsFor } from "./bytes.ts";
import type { Namespace, NsDir } from "./namespace.ts";
import { pathTableSize } from "./path-table.ts";
import type { FileNode } from "./tree.ts";

export const PVD_BLOCK = 16;
export const SVD_BLOCK = 17;
export const TERMINATOR_BLOCK = 18;
const FIRST_FREE = 19;

export interface Layout {
  extentOf(item: NsDir | FileNode): number;
  sizeOf(dir: NsDir): number;
  ceBase: number; // first Rock Ridge continuation block
  pathTables: { primaryL: number; primaryM: number; jolietL: number; jolietM: number };
  blocks: number; // volume space size (8.4.8)
}

/** For measuring: every location is 0. */
export const DRAFT_LAYOUT: Layout = {
  extentOf: () => 0,
  sizeOf: () => 0,
  ceBase: 0,
  pathTables: { primaryL: 0, primaryM: 0, jolietL: 0, jolietM: 0 },
  blocks: 0,
};

export interface Measured {
  primaryDirs: readonly Uint8Array[]; // rendered extents, same order as primary.dirs
  jolietDirs: readonly Uint8Array[];
  ceSectors: number;
}

function lookup<K, V>(map: Map<K, V>, key: K): V {
  const v = map.get(key);
  if (v === undefined) throw new Error("internal: item missing from layout");
  return v;
}

export function placeImage(
  primary: Namespace,
  joliet: Namespace,
  measured: Measured,
  files: readonly FileNode[],
): Layout {
  let next = FIRST_FREE;
  const take = (sectors: number): number => {
    const at = next;
    next += sectors;
    return at;
  };
  const primaryTable = sectorsFor(pathTableSize(primary));
  const jolietTable = sectorsFor(pathTableSize(joliet));
  const pathTables = {
    primaryL: take(primaryTable),
    primaryM: take(primaryTable),
    jolietL: take(jolietTable),
    jolietM: take(jolietTable),
  };
  const extent = new Map<NsDir | FileNode, number>();
  const size = new Map<NsDir, number>();
  const placeDirs = (ns: Namespace, rendered: readonly Uint8Array[]) =>
    ns.dirs.forEach((dir, i) => {
      const bytes = (rendered[i] as Uint8Array).length;
      size.set(dir, bytes);
      extent.set(dir, take(bytes / SECTOR));
    });
  placeDirs(primary, measured.primaryDirs);
  const ceBase = take(measured.ceSectors);
  placeDirs(joliet, measured.jolietDirs);
  // Empty files own no block; like libisofs they point at the start of the data area.
  const dataStart = next;
  for (const file of files) extent.set(file, file.data.length === 0 ? dataStart : take(sectorsFor(file.data.length)));
  return {
    extentOf: (item) => lookup(extent, item),
    sizeOf: (dir) => lookup(size, dir),
    ceBase,
    pathTables,
    blocks: next,
  };
}
