// THE one way a zod issue is told to a person: one readable sentence naming each offending path, for
// requests, arguments, configuration, cloud_properties and a peer's answers alike. A leaf: zod types only,
// so every layer may use it.
import type * as z from "zod";

type Issue = z.core.$ZodIssue & { input?: unknown };

/** How the sentence is written; every field is optional. */
export interface IssueStyle {
  /** Put before every path ("ironic", "cloud_properties"). */
  prefix?: string;
  /** The schema parsed: an unknown key names the known one it most likely meant. */
  schema?: z.core.$ZodType;
  /** Unknown keys grouped and followed by these, the whole contract ("unknown key(s) a, b (known keys: …)"). */
  knownKeys?: readonly string[];
  /** Array indexes as ".0", the way a manifest path reads, instead of "[0]", the way a JSON path does. */
  dottedIndexes?: boolean;
  /** Only the first issue: a peer's answer that does not fit is told by its first mismatch. */
  first?: boolean;
}

function joinPath(style: IssueStyle, path: readonly PropertyKey[]): string {
  const parts = path.map((p) => (typeof p === "number" && !style.dottedIndexes ? `[${p}]` : `.${String(p)}`)).join("");
  const full = `${style.prefix ?? ""}${parts}`.replace(/^\./, "");
  return full || "(top level)";
}

/** An object schema's keys at `path`, through optional/default/nullable/pipe wrappers (zod's own defs). */
function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  type Def = { shape?: Record<string, z.core.$ZodType>; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
  let cur: z.core.$ZodType | undefined = schema;
  const unwrap = (t: z.core.$ZodType | undefined) => {
    while (t) {
      const d = t._zod.def as Def;
      if (d.shape || !(d.innerType ?? d.in)) return t;
      t = d.innerType ?? d.in;
    }
    return t;
  };
  for (const key of path) cur = (unwrap(cur)?._zod.def as Def | undefined)?.shape?.[String(key)];
  return Object.keys((unwrap(cur)?._zod.def as Def | undefined)?.shape ?? {});
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The known key a typo most likely meant: at most 2 edits, and fewer than half its length. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d <= 2 && d < Math.max(k.length, key.length) / 2 && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

function describeOne(issue: Issue, style: IssueStyle): string[] {
  if (issue.code === "unrecognized_keys") {
    if (style.knownKeys) {
      const keys = issue.keys.map((k) => joinPath({ ...style, prefix: "" }, [...issue.path, k]));
      return [`unknown key(s) ${keys.join(", ")} (known keys: ${style.knownKeys.join(", ")})`];
    }
    const known = style.schema ? keysAt(style.schema, issue.path) : [];
    return issue.keys.map((k) => {
      const near = nearestKey(k, known);
      return `${joinPath(style, [...issue.path, k])}: unknown key${near ? ` (did you mean ${near}?)` : ""}`;
    });
  }
  const where = joinPath(style, issue.path);
  if (issue.code === "invalid_type" && issue.input === undefined) return [`${where}: is required`];
  return [`${where}: ${issue.message}`];
}

/**
 * "ironic.url: must be an http(s) URL; ironic.urll: unknown key (did you mean url?)". Parse with
 * {reportInput: true}: a missing value then reads "is required".
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], style: IssueStyle = {}): string {
  return (style.first ? issues.slice(0, 1) : issues).flatMap((i) => describeOne(i as Issue, style)).join("; ");
}
