// Turns zod issues into one readable sentence naming each offending path, for requests,
// arguments and configuration alike. A leaf: zod types only.
import type { z } from "zod";

type Issue = z.core.$ZodIssue & { input?: unknown };

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  const parts = path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  const full = `${prefix}${parts}`.replace(/^\./, "");
  return full || "(top level)";
}

function describeOne(issue: Issue, prefix: string): string[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => `${joinPath(prefix, [...issue.path, k])}: unknown key`);
  }
  if (issue.code === "invalid_union" && issue.errors.length > 0 && "discriminator" in issue) {
    return [`${joinPath(prefix, issue.path)}: ${issue.message}`];
  }
  const where = joinPath(prefix, issue.path);
  if (issue.code === "invalid_type" && issue.input === undefined) return [`${where}: is required`];
  return [`${where}: ${issue.message}`];
}

/** "ironic.url: must be an http(s) URL; ironic.bogus: unknown key" — parse with {reportInput: true}. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ""): string {
  return issues.flatMap((i) => describeOne(i as Issue, prefix)).join("; ");
}
