// One directory hierarchy as a reader sees it: the primary (ECMA-119 names + Rock Ridge)
// or the Joliet one. Both describe the same tree and share the file data extents; they
// differ in identifiers and therefore in order.
import { asciiBytes } from "./bytes.ts";
import { IsoLimitError } from "./errors.ts";
import { compareJoliet, jolietIdentifier } from "./joliet.ts";
import { comparePrimary, primaryIdentifiers } from "./names.ts";
import type { DirNode, TreeNode } from "./tree.ts";

export interface NsEntry {
  node: TreeNode;
  id: Uint8Array;
}

export interface NsDir {
  node: DirNode;
  id: Uint8Array; // 0x00 for the root (6.9.2 / 9.4.5)
  number: number; // 1-based position in the path table (9.4.4)
  parent: NsDir | null; // null for the root
  entries: NsEntry[]; // 9.3 order, without "." and ".."
  subdirs: number;
}

export interface Namespace {
  rockRidge: boolean;
  dirs: NsDir[]; // path table order (6.9.1): by level, then parent number, then identifier
  dirOf: Map<DirNode, NsDir>;
}

const MAX_DIRS = 0xffff; // 9.4.4: parent directory numbers are 16-bit

type Identify = (children: readonly TreeNode[]) => Uint8Array[];
type Compare = (a: Uint8Array, b: Uint8Array) => number;

function build(root: DirNode, identify: Identify, compare: Compare, rockRidge: boolean): Namespace {
  const dirs: NsDir[] = [];
  const dirOf = new Map<DirNode, NsDir>();
  const add = (node: DirNode, id: Uint8Array, parent: NsDir | null): void => {
    const dir: NsDir = { node, id, number: dirs.length + 1, parent, entries: [], subdirs: 0 };
    dirs.push(dir);
    dirOf.set(node, dir);
  };
  add(root, Uint8Array.of(0), null);
  // Breadth first: a parent gets its number before its children are appended, and children
  // are appended in identifier order, which is exactly the path table order.
  for (let i = 0; i < dirs.length; i++) {
    const dir = dirs[i] as NsDir;
    const children = [...dir.node.children.values()];
    const ids = identify(children);
    dir.entries = children.map((node, k) => ({ node, id: ids[k] as Uint8Array })).sort((a, b) => compare(a.id, b.id));
    for (const { node, id } of dir.entries) {
      if (node.kind === "dir") {
        add(node, id, dir);
        dir.subdirs++;
      }
    }
  }
  if (dirs.length > MAX_DIRS) {
    throw new IsoLimitError("TOO_MANY_DIRECTORIES", `${dirs.length} directories, path tables can number ${MAX_DIRS}`);
  }
  return { rockRidge, dirs, dirOf };
}

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

export function primaryNamespace(root: DirNode): Namespace {
  const identify: Identify = (children) =>
    primaryIdentifiers(children.map((c) => ({ name: c.name, isDir: c.kind === "dir" }))).map(asciiBytes);
  return build(root, identify, (a, b) => comparePrimary(latin1(a), latin1(b)), true);
}

export function jolietNamespace(root: DirNode): Namespace {
  return build(root, (children) => children.map((c) => jolietIdentifier(c.name)), compareJoliet, false);
}
