// Turns zod issues into one readable sentence naming each offending path, for requests,
// arguments and configuration alike. A leaf: zod types only.
import type * as z from "zod";

type Issue = z.core.$ZodIssue & { input?: unknown };

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  const parts = path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  const full = `${prefix}${parts}`.replace(/^\./, "");
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

function describeOne(issue: Issue, prefix: string, schema?: z.core.$ZodType): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = schema ? keysAt(schema, issue.path) : [];
    return issue.keys.map((k) => {
      const near = nearestKey(k, known);
      return `${joinPath(prefix, [...issue.path, k])}: unknown key${near ? ` (did you mean ${near}?)` : ""}`;
    });
  }
  if (issue.code === "invalid_union" && issue.errors.length > 0 && "discriminator" in issue) {
    return [`${joinPath(prefix, issue.path)}: ${issue.message}`];
  }
  const where = joinPath(prefix, issue.path);
  if (issue.code === "invalid_type" && issue.input === undefined) return [`${where}: is required`];
  return [`${where}: ${issue.message}`];
}

/**
 * "ironic.url: must be an http(s) URL; ironic.urll: unknown key (did you mean url?)" — parse with
 * {reportInput: true}; with the schema, an unknown key names the known one it most likely meant.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = "", schema?: z.core.$ZodType): string {
  return issues.flatMap((i) => describeOne(i as Issue, prefix, schema)).join("; ");
}
