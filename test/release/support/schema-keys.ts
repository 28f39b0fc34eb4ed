// The dotted key paths a zod object schema accepts, read from the schema itself (zod 4 `_zod.def`, the
// same for classic zod and zod/mini), so tests can compare a job spec with a config schema without a
// second list of keys.
import type { $ZodType } from "zod/v4/core";

interface Def {
  type: string;
  shape?: Record<string, $ZodType>;
  innerType?: $ZodType;
  options?: $ZodType[];
  in?: $ZodType;
}

const defOf = (schema: $ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Strips optional/default/prefault/nullable/pipe wrappers. */
function unwrap(schema: $ZodType): $ZodType {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (def.innerType) s = def.innerType;
    else if (def.type === "pipe" && def.in) s = def.in;
    else return s;
  }
}

/** Leaf paths: a key whose value is not an object (records count as leaves; unions of objects merge). */
export function schemaLeafPaths(schema: $ZodType, prefix: string[] = []): string[] {
  const def = defOf(unwrap(schema));
  if (def.type === "object" && def.shape) {
    return Object.entries(def.shape).flatMap(([key, child]) => schemaLeafPaths(child, [...prefix, key]));
  }
  if (def.type === "union" && def.options?.every((o) => defOf(unwrap(o)).type === "object")) {
    return [...new Set(def.options.flatMap((o) => schemaLeafPaths(o, prefix)))];
  }
  return [prefix.join(".")];
}
