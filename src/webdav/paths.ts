// THE key layout of the store: every path the store requests is built here from identifiers that
// passed one check, so nothing a caller hands in (a CID, a name) can climb out of its folder or
// smuggle an encoded separator. Checked before any request is made.
import { UnsafeKeyError } from "./errors.ts";

/**
 * Letters, digits, '.', '_', ':' and '-', starting with a letter or digit: no '/', '\\', '%'
 * (so no %2f), no spaces or control characters, and at most 255 characters (one file name).
 */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;

export interface StoreKey {
  /** The checked segments, in order. */
  readonly segments: readonly string[];
  /** "/a/b/c": relative to the store's base URL. */
  readonly path: string;
}

function unsafeReason(segment: string): string | undefined {
  if (segment.length === 0) return "is empty";
  if (/[\u0000-\u001f\u007f]/.test(segment)) return "contains a control character";
  if (segment.includes("..")) return "contains '..'";
  if (/[/\\]/.test(segment)) return "contains a path separator";
  if (segment.includes("%")) return "contains '%' (percent-encoding)";
  if (!SAFE_SEGMENT.test(segment))
    return "may only contain letters, digits, '.', '_', ':' and '-' (at most 255), starting with a letter or digit";
  return undefined;
}

/** Throws UnsafeKeyError unless `segment` is one safe identifier. */
export function checkSegment(segment: string): string {
  if (typeof segment !== "string") throw new UnsafeKeyError(String(segment), "is not a string");
  const reason = unsafeReason(segment);
  if (reason) throw new UnsafeKeyError(segment, reason);
  return segment;
}

/** The one way to name an object or collection of the store. */
export function storeKey(...segments: string[]): StoreKey {
  if (segments.length === 0) throw new UnsafeKeyError("", "a key needs at least one segment");
  for (const s of segments) checkSegment(s);
  return Object.freeze({ segments: Object.freeze([...segments]), path: `/${segments.join("/")}` });
}

/** The collections above a key, outermost first: a/b/c → [a], [a, b]. */
export function parentKeys(key: StoreKey): StoreKey[] {
  return key.segments.slice(0, -1).map((_, i) => storeKey(...key.segments.slice(0, i + 1)));
}
