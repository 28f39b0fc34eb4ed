// `ironic_properties` comparisons against node.properties. The 2016 CPI compared strings by equality, so
// "at least 16 cpus" never matched a node that ironic-inspector had stored as "16", and a missing key
// crashed the search (its bugs #3). Here numbers mean "at least" after numeric coercion, strings and
// booleans mean "equal", and a missing or unreadable value is a rejection with a reason.

export type Wanted = number | string | boolean;

/** A number, or a string that is one ("16", " 16384 ", "1.5"); undefined otherwise. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string" && v.trim() !== "" && /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v.trim()))
    return Number(v.trim());
  return undefined;
}

function toBoolean(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === "true";
  return undefined;
}

/** undefined when `actual` satisfies `wanted`, else why not (without the key name). */
export function mismatch(actual: unknown, wanted: Wanted): string | undefined {
  if (actual === undefined || actual === null || actual === "") return "missing";
  if (typeof wanted === "number") {
    const n = toNumber(actual);
    if (n === undefined) return `not a number (${JSON.stringify(actual)})`;
    return n >= wanted ? undefined : `below ${wanted}`;
  }
  if (typeof wanted === "boolean") {
    const b = toBoolean(actual);
    return b === wanted ? undefined : `not ${wanted}`;
  }
  return String(actual) === wanted ? undefined : `not ${JSON.stringify(wanted)}`;
}

/** The first unmet key as a rejection reason ("ironic_properties.cpus below 8"), or undefined. */
export function propertiesMismatch(
  properties: Record<string, unknown> | null | undefined,
  wanted: Record<string, Wanted>,
): string | undefined {
  for (const key of Object.keys(wanted).sort()) {
    const why = mismatch(properties?.[key], wanted[key]!);
    if (why) return `ironic_properties.${key} ${why}`;
  }
  return undefined;
}

/** The size used by "smallest server that fits first": cpus, memory_mb, local_gb (missing → last). */
export function sizeKey(properties: Record<string, unknown> | null | undefined): [number, number, number] {
  const n = (k: string) => toNumber(properties?.[k]) ?? Number.POSITIVE_INFINITY;
  return [n("cpus"), n("memory_mb"), n("local_gb")];
}
