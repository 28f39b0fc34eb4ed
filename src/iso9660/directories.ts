// Renders the directory extents of one namespace (ECMA-119 6.8.1, 9.1): "." and ".." first
// (9.3: identifiers 0x00 and 0x01 sort lowest), then the entries in namespace order. Only
// the primary namespace carries Rock Ridge fields; Joliet records have none.
import { directoryRecord, packDirectory, systemUseRoom } from "./directory-record.ts";
import type { Layout } from "./layout.ts";
import type { Namespace, NsDir } from "./namespace.ts";
import { type ContinuationArea, type RockRidgeInput, rockRidgeField } from "./rock-ridge.ts";

const DOT = Uint8Array.of(0);
const DOTDOT = Uint8Array.of(1);

/** POSIX link count of a directory: its own entry, its ".", and each subdirectory's "..". */
const links = (dir: NsDir) => 2 + dir.subdirs;

export function renderDirectories(
  ns: Namespace,
  layout: Layout,
  date7: Uint8Array,
  area: ContinuationArea,
): Uint8Array[] {
  const su = (id: Uint8Array, rr: Omit<RockRidgeInput, "date7">) =>
    ns.rockRidge ? rockRidgeField({ ...rr, date7 }, systemUseRoom(id.length), area, layout.ceBase) : undefined;
  const dirRecord = (id: Uint8Array, dir: NsDir, rr: Omit<RockRidgeInput, "date7" | "isDir" | "links">) =>
    directoryRecord({
      id,
      extent: layout.extentOf(dir),
      size: layout.sizeOf(dir),
      isDir: true,
      date7,
      systemUse: su(id, { ...rr, isDir: true, links: links(dir) }),
    });

  return ns.dirs.map((dir) => {
    const parent = dir.parent ?? dir; // 6.8.2.2: the root's ".." is the root
    const records = [
      dirRecord(DOT, dir, { kind: dir.parent ? "dot" : "root-dot" }),
      dirRecord(DOTDOT, parent, { kind: "dot" }),
    ];
    for (const { node, id } of dir.entries) {
      if (node.kind === "dir") {
        records.push(dirRecord(id, ns.dirOf.get(node) as NsDir, { kind: "named", name: node.name }));
      } else {
        records.push(
          directoryRecord({
            id,
            extent: layout.extentOf(node),
            size: node.data.length,
            isDir: false,
            date7,
            systemUse: su(id, { kind: "named", name: node.name, isDir: false, links: 1 }),
          }),
        );
      }
    }
    return packDirectory(records);
  });
}
