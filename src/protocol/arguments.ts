// Positional arguments: extra trailing ones are ignored (as bosh-cpi-go does, which keeps the
// director's API v3 extra create_stemcell argument harmless); missing or mistyped ones are named.
import * as z from "zod";
import { CpiError } from "./errors.ts";
import { describeIssues } from "../issues.ts";
import type { ArgsSchema } from "./action.ts";

function argName(schema: ArgsSchema, index: number): string {
  const item = schema._zod.def.items[index];
  const name = item && z.globalRegistry.get(item)?.description;
  return name ? `argument ${index + 1} '${name}'` : `argument ${index + 1}`;
}

export function parseArguments(method: string, schema: ArgsSchema, args: readonly unknown[]): unknown[] {
  const { items } = schema._zod.def;
  const arity = items.length;
  const withRest = z.tuple(items as [z.core.$ZodType, ...z.core.$ZodType[]], z.unknown());
  const r = withRest.safeParse(args, { reportInput: true });
  if (r.success) return (r.data as unknown[]).slice(0, arity);
  const parts = r.error.issues.map((issue) => {
    const [head, ...rest] = issue.path;
    if (typeof head !== "number") return describeIssues([issue], { prefix: "arguments" });
    const where = argName(schema, head);
    if (rest.length === 0) {
      const detail = describeIssues([{ ...issue, path: [] }]).replace(/^\(top level\): /, "");
      return `${where}: ${detail}`;
    }
    return `${where}: ${describeIssues([{ ...issue, path: rest }])}`;
  });
  throw new CpiError(`invalid arguments for ${method} (expects ${arity}): ${parts.join("; ")}`);
}
