// The part of go-patch (BOSH ops files) and of `((variable))` interpolation that the release's
// manifests use: replace/remove, map keys, `name=value` array selectors, indexes, `-` (append) and `?`
// (create what is missing; applies to every later token too).
type Node = Record<string, unknown> | unknown[];
export interface Op {
  type: "replace" | "remove";
  path: string;
  value?: unknown;
}

interface Token {
  kind: "key" | "index" | "match" | "append";
  key: string;
  value?: string;
  optional: boolean;
}

function tokens(path: string): Token[] {
  if (!path.startsWith("/")) throw new Error(`ops path must start with /: ${path}`);
  let optional = false;
  return path
    .slice(1)
    .split("/")
    .map((raw) => {
      optional ||= raw.endsWith("?");
      const t = raw.replace(/\?$/, "");
      if (t === "-") return { kind: "append", key: t, optional } as Token;
      if (/^\d+$/.test(t)) return { kind: "index", key: t, optional } as Token;
      const eq = t.indexOf("=");
      if (eq > 0) return { kind: "match", key: t.slice(0, eq), value: t.slice(eq + 1), optional } as Token;
      return { kind: "key", key: t, optional } as Token;
    });
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function step(
  node: Node,
  t: Token,
  next: Token | undefined,
  path: string,
): { get: () => unknown; set: (v: unknown) => void; del: () => void } {
  const fresh = () => (next && next.kind !== "key" ? [] : {});
  if (t.kind === "key") {
    if (!isMap(node)) throw new Error(`${path}: '${t.key}' expects a map`);
    if (node[t.key] === undefined && next && t.optional) node[t.key] = fresh();
    return { get: () => node[t.key], set: (v) => (node[t.key] = v), del: () => delete node[t.key] };
  }
  if (!Array.isArray(node)) throw new Error(`${path}: '${t.key}' expects an array`);
  if (t.kind === "append") {
    if (next) throw new Error(`${path}: '-' must be the last token`);
    return { get: () => undefined, set: (v) => node.push(v), del: () => undefined };
  }
  let i = t.kind === "index" ? Number(t.key) : node.findIndex((e) => isMap(e) && String(e[t.key]) === t.value);
  if ((i < 0 || i >= node.length) && t.kind === "match" && t.optional) {
    node.push({ [t.key]: t.value });
    i = node.length - 1;
  }
  if (i < 0 || i >= node.length) throw new Error(`${path}: no element ${t.key}${t.value ? `=${t.value}` : ""}`);
  return { get: () => node[i], set: (v) => (node[i] = v), del: () => node.splice(i, 1) };
}

/** Applies the ops to a copy of the document. */
export function applyOps<T>(doc: T, ops: readonly Op[]): T {
  const out = structuredClone(doc) as unknown as Node;
  for (const op of ops) {
    const ts = tokens(op.path);
    let node: unknown = out;
    for (let i = 0; i < ts.length; i++) {
      const at = step(node as Node, ts[i]!, ts[i + 1], op.path);
      if (i < ts.length - 1) {
        node = at.get();
        if (node === undefined) throw new Error(`${op.path}: missing '${ts[i]!.key}' (mark it optional with ?)`);
        continue;
      }
      if (op.type === "remove") at.del();
      else at.set(structuredClone(op.value));
    }
  }
  return out as unknown as T;
}

/** `((name))` placeholders used in a document (`((name.field))` reports `name`). */
export function variablesIn(doc: unknown): Set<string> {
  const found = new Set<string>();
  for (const m of JSON.stringify(doc).matchAll(/\(\(([\w-]+)(?:\.[\w.-]+)?\)\)/g)) found.add(m[1]!);
  return found;
}

/** Replaces every `((name))` / `((name.field))`: a whole-string placeholder by the value itself, others as text. */
export function interpolate<T>(doc: T, vars: Record<string, unknown>): T {
  const lookup = (ref: string): unknown => {
    const [name, ...fields] = ref.split(".");
    let v: unknown = vars[name!];
    for (const f of fields) v = isMap(v) ? v[f] : undefined;
    if (v === undefined) throw new Error(`variable ((${ref})) has no value`);
    return v;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const whole = /^\(\(([\w.-]+)\)\)$/.exec(v);
      if (whole) return lookup(whole[1]!);
      return v.replace(/\(\(([\w.-]+)\)\)/g, (_, ref: string) => String(lookup(ref)));
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(doc) as T;
}
