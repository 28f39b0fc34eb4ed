// What Ironic's error bodies say, read in one place: the body decoded into its message, and THE text
// matchers (house style §3.5): which 409 is a lock and which a lost claim, which 400 is NoValidHost.
// transport.ts turns the answers into the classes of errors.ts with them.

/** Decoded Ironic error body. */
export interface IronicFault {
  /** faultstring (normal errors) or description (406 version errors), else the raw body text. */
  message: string;
  /** "Client" / "Server" for faultcode bodies, the title for 406 bodies. */
  faultcode?: string;
}

/**
 * Ironic wraps its error in a JSON *string*: `{"error_message": "{\"faultcode\": ..., \"faultstring\": ...}"}`.
 * 406 microversion errors carry `{"code", "title", "description"}` inside instead. Proxies send HTML or text.
 * This never throws; anything undecodable becomes the (trimmed) raw text.
 */
export function decodeIronicFault(body: string): IronicFault {
  const raw = body.trim();
  const outer = parseJson(raw);
  if (!isRecord(outer)) return { message: raw.slice(0, 500) };
  let inner: unknown = outer["error_message"] ?? outer;
  if (typeof inner === "string") inner = parseJson(inner) ?? inner;
  if (typeof inner === "string") return { message: inner };
  if (isRecord(inner)) {
    if (typeof inner["faultstring"] === "string") {
      const code = inner["faultcode"];
      return { message: inner["faultstring"], ...(typeof code === "string" ? { faultcode: code } : {}) };
    }
    if (typeof inner["description"] === "string") {
      const title = inner["title"];
      return { message: inner["description"], ...(typeof title === "string" ? { faultcode: title } : {}) };
    }
  }
  return { message: raw.slice(0, 500) };
}

export type ConflictKind = "locked" | "associated" | "other";

/**
 * THE one place where Ironic message text is matched (house style §3.5).
 * - "Node X is locked by host H, please retry after the current operation is completed." (NodeLocked): transient.
 * - "Node X is associated with instance Y." (NodeAssociated): somebody else owns the node; never retry.
 */
export function classifyConflict(message: string): ConflictKind {
  if (/\bis locked by host\b/i.test(message)) return "locked";
  if (/\bis associated with instance\b/i.test(message)) return "associated";
  return "other";
}

/** Ironic's NoValidHost, the one 400 that names a passing condition rather than a bad request. */
export const isNoValidHost = (message: string) => /\bNo valid host was found\b/i.test(message);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
