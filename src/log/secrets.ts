// Value-based redaction: whatever path a secret takes into a log line (an error message, a request
// echo, a library's own text), its value is replaced before the line leaves the process.

const SECRET_KEY = /(pass(word|wd)?|secret|token|private_?key|access_?key|credentials?|auth_key)$/i;
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const MIN_SECRET_LENGTH = 4;
export const REDACTED = "[REDACTED]";

/** Collects string values under secret-looking keys, and passwords in URL userinfo, at any depth. */
export function collectSecrets(value: unknown, into: Set<string> = new Set(), underSecret = false): Set<string> {
  if (typeof value === "string") {
    if (underSecret && value.length >= MIN_SECRET_LENGTH) into.add(value);
    const inUrl = urlPassword(value);
    if (inUrl && inUrl.length >= MIN_SECRET_LENGTH) into.add(inUrl);
  } else if (Array.isArray(value)) {
    for (const v of value) collectSecrets(v, into, underSecret);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) collectSecrets(v, into, underSecret || SECRET_KEY.test(k));
  }
  return into;
}

/** The password part of URL userinfo (agent registry endpoints, mbus URLs). */
export function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]+)@/i.exec(url);
  if (!m?.[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

export class SecretScrubber {
  private readonly values = new Set<string>();
  private forms: string[] = [];

  add(values: Iterable<string | undefined>): void {
    for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH) this.values.add(v);
    // a secret appears raw, JSON-escaped inside a log line, or URL-encoded in a URL
    const forms = new Set<string>();
    for (const v of this.values) {
      forms.add(v);
      forms.add(JSON.stringify(v).slice(1, -1));
      forms.add(encodeURIComponent(v));
    }
    this.forms = [...forms].sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    let out = text.replace(PRIVATE_KEY_BLOCK, REDACTED);
    for (const f of this.forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
    return out;
  }
}
