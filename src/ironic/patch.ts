// Pure JSON-patch (RFC 6902) builders for PATCH /v1/nodes/{node} and friends. Ironic applies the list
// atomically. Paths are JSON pointers (RFC 6901): "~" → "~0", "/" → "~1" inside each key.
// NOTE: Ironic 21.4's patch schema accepts only paths matching ^(/[\w-]+)+$, so a key holding "/", "~", "."
// or a space is refused with 400 even when correctly escaped; keep keys the CPI writes to [A-Za-z0-9_-].
import { isDeepStrictEqual } from "node:util";

export type JsonPatchOp =
  | { op: "add"; path: string; value: unknown }
  | { op: "replace"; path: string; value: unknown }
  | { op: "remove"; path: string };

/** One pointer from unescaped segments: pointer("extra", "a/b") → "/extra/a~1b". */
export function pointer(...segments: (string | number)[]): string {
  if (segments.length === 0) throw new RangeError("a JSON pointer into a node needs at least one segment");
  return segments.map((s) => `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

/** Accepts a ready pointer ("/extra/x") or segments (["extra", "x"]). */
type Target = string | readonly (string | number)[];
const toPath = (target: Target) => (typeof target === "string" ? target : pointer(...target));

/** "add" creates the key or replaces its value (for object members); Ironic treats it like replace. */
export function add(target: Target, value: unknown): JsonPatchOp {
  return { op: "add", path: toPath(target), value };
}

/** "replace" fails with 400 when the member does not exist. */
export function replace(target: Target, value: unknown): JsonPatchOp {
  return { op: "replace", path: toPath(target), value };
}

/** "remove" fails with 400 when the member does not exist ("can't remove a non-existent object"). */
export function remove(target: Target): JsonPatchOp {
  return { op: "remove", path: toPath(target) };
}

/** add() for each entry of `values` under `parent`, e.g. addAll(["extra"], {bosh_vm_cid: "vm-1"}). */
export function addAll(parent: readonly (string | number)[], values: Record<string, unknown>): JsonPatchOp[] {
  return Object.entries(values).map(([key, value]) => add([...parent, key], value));
}

/** The value at a JSON pointer, or undefined (also for array appends "-", which cannot be checked). */
function at(doc: unknown, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = doc;
  for (const raw of path.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur === null || typeof cur !== "object" || !Object.hasOwn(cur, key)) return { found: false };
    cur = (cur as Record<string, unknown>)[key];
  }
  return { found: true, value: cur };
}

/**
 * Does `doc` (a node read back) already show every op of a patch? Used after an answer was lost, to tell
 * a patch that took effect from one that must be sent again. Ironic shows a removed scalar field as null.
 */
export function patchApplied(doc: unknown, ops: readonly JsonPatchOp[]): boolean {
  return ops.every((op) => {
    if (op.path.endsWith("/-")) return false;
    const cur = at(doc, op.path);
    if (op.op === "remove") return !cur.found || cur.value === null;
    return cur.found && isDeepStrictEqual(cur.value, op.value);
  });
}
