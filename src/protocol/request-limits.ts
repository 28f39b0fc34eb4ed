// Structural limits of a request document, checked right after JSON.parse and before anything walks it
// recursively (secret collection, zod, the config overlay merge). Found by the dispatcher fuzz tests:
// 100 000 nested arrays made secret collection overflow the stack (a CloudError instead of a CpiError),
// and a "__proto__" key survived JSON.parse as an own property that copying by assignment (zod records,
// the overlay merge) turns into a prototype, silently dropping or reshaping what the director sent.
// No BOSH request nests deeper than a dozen levels or names a key "__proto__". A leaf: no imports.

export const MAX_REQUEST_DEPTH = 100;

/** Why the parsed request is refused, or undefined. Iterative: no recursion on untrusted depth. */
export function requestShapeProblem(doc: unknown): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: doc, depth: 0, path: "" }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (depth >= MAX_REQUEST_DEPTH) return `nests deeper than ${MAX_REQUEST_DEPTH} levels (at ${path.slice(0, 80)}…)`;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], depth: depth + 1, path: `${path}[${i}]` });
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key === "__proto__") return `has a '__proto__' key (at ${at.slice(0, 120)})`;
      stack.push({ value: child, depth: depth + 1, path: at });
    }
  }
  return undefined;
}
