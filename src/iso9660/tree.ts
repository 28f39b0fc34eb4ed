// The validated file tree both namespaces are built from. All rejection of impossible
// input happens here and in names.ts, before a single byte is laid out.
import { IsoLimitError } from "./errors.ts";
import { checkName } from "./names.ts";

export interface FileNode {
  kind: "file";
  name: string;
  path: string;
  data: Uint8Array;
}

export interface DirNode {
  kind: "dir";
  name: string; // "" for the root
  path: string; // "" for the root
  level: number; // ECMA-119 6.8.2.1: the root is level 1
  children: Map<string, TreeNode>;
}

export type TreeNode = FileNode | DirNode;

/** ECMA-119 6.8.2.1: the hierarchy has at most eight levels, the root being the first. */
const MAX_LEVELS = 8;
const MAX_DATA_LENGTH = 0xffff_ffff; // 9.1.4: data length is a 32-bit field

function components(path: string): string[] {
  if (typeof path !== "string") throw new IsoLimitError("INVALID_PATH", "path is not a string");
  const parts = path.split("/");
  for (const part of parts) checkName(part, path); // also rejects "", "/x", "x/", "x//y"
  return parts;
}

function newDir(name: string, path: string, level: number): DirNode {
  if (level > MAX_LEVELS) {
    throw new IsoLimitError(
      "TOO_DEEP",
      `directory ${JSON.stringify(path)} is at level ${level}, ECMA-119 allows ${MAX_LEVELS}`,
    );
  }
  return { kind: "dir", name, path, level, children: new Map() };
}

/** Walks to (creating as needed) the directory at parts, refusing to pass through a file. */
function ensureDir(root: DirNode, parts: readonly string[], path: string): DirNode {
  let dir = root;
  for (const part of parts) {
    const sub = dir.path === "" ? part : `${dir.path}/${part}`;
    let next = dir.children.get(part);
    if (next === undefined) {
      next = newDir(part, sub, dir.level + 1);
      dir.children.set(part, next);
    } else if (next.kind === "file") {
      throw new IsoLimitError(
        "PATH_CONFLICT",
        `${JSON.stringify(sub)} is a file and a directory (in ${JSON.stringify(path)})`,
      );
    }
    dir = next;
  }
  return dir;
}

export function buildTree(
  files: readonly { path: string; data: Uint8Array }[],
  directories: readonly string[],
): DirNode {
  const root = newDir("", "", 1);
  const seenDirs = new Set<string>();
  for (const path of directories) {
    const parts = components(path);
    if (seenDirs.has(path)) throw new IsoLimitError("DUPLICATE_PATH", `directory ${JSON.stringify(path)} listed twice`);
    seenDirs.add(path);
    ensureDir(root, parts, path);
  }
  for (const { path, data } of files) {
    const parts = components(path);
    if (!(data instanceof Uint8Array)) throw new TypeError(`file ${JSON.stringify(path)}: data is not a Uint8Array`);
    if (data.length > MAX_DATA_LENGTH) {
      throw new IsoLimitError(
        "FILE_TOO_LARGE",
        `file ${JSON.stringify(path)}: ${data.length} bytes, the limit is ${MAX_DATA_LENGTH}`,
      );
    }
    const name = parts.pop() as string;
    const dir = ensureDir(root, parts, path);
    const existing = dir.children.get(name);
    if (existing?.kind === "file")
      throw new IsoLimitError("DUPLICATE_PATH", `file ${JSON.stringify(path)} given twice`);
    if (existing?.kind === "dir")
      throw new IsoLimitError("PATH_CONFLICT", `${JSON.stringify(path)} is a file and a directory`);
    dir.children.set(name, { kind: "file", name, path, data });
  }
  return root;
}

/** Every node below `dir`, depth first, in code-unit order of paths (deterministic). */
export function* walk(dir: DirNode): Generator<TreeNode> {
  for (const name of [...dir.children.keys()].sort()) {
    const child = dir.children.get(name) as TreeNode;
    yield child;
    if (child.kind === "dir") yield* walk(child);
  }
}
