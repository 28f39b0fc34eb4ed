// Name rules. The real names travel in Rock Ridge NM (UTF-8) and in Joliet (UCS-2); the
// primary ECMA-119 tree only gets a d-character approximation, as genisoimage/xorrisofs do.
import { IsoLimitError } from "./errors.ts";

/** Joliet stores at most 64 UCS-2 characters per name (and genisoimage silently cuts). */
const MAX_NAME_CHARS = 64;

// Joliet forbids U+0000..U+001F and * / : ; ? \ (";" would also read as a version separator).
const JOLIET_FORBIDDEN = /[\u0000-\u001f*/:;?\\]/;
// UCS-2 has no surrogates: astral characters and lone halves cannot round-trip through Joliet.
const SURROGATE = /[\ud800-\udfff]/;

/** Checks one path component; `path` is only for the message. */
export function checkName(name: string, path: string): void {
  if (name === "" || name === "." || name === "..") {
    throw new IsoLimitError("INVALID_PATH", `path ${JSON.stringify(path)}: empty, "." or ".." component`);
  }
  const bad = JOLIET_FORBIDDEN.exec(name) ?? SURROGATE.exec(name);
  if (bad) {
    const code = `U+${(bad[0].codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`;
    throw new IsoLimitError(
      "INVALID_NAME",
      `path ${JSON.stringify(path)}: character ${code} cannot be stored in Joliet`,
    );
  }
  if (name.endsWith(".")) {
    // Joliet readers (Linux isofs, 7-Zip, Windows) drop trailing dots: "x." would read as "x".
    throw new IsoLimitError(
      "INVALID_NAME",
      `path ${JSON.stringify(path)}: a name cannot end with "." (lost through Joliet)`,
    );
  }
  if (name.length > MAX_NAME_CHARS) {
    throw new IsoLimitError(
      "NAME_TOO_LONG",
      `path ${JSON.stringify(path)}: name has ${name.length} characters, Joliet allows ${MAX_NAME_CHARS}`,
    );
  }
}

/** 7.4.1 d-characters are A-Z 0-9 _ ; everything else becomes "_" (lower case is upper-cased). */
function toDChars(s: string): string {
  let out = "";
  for (const ch of s) {
    const up = ch >= "a" && ch <= "z" ? ch.toUpperCase() : ch;
    out += /^[A-Z0-9_]$/.test(up) ? up : "_";
  }
  return out;
}

// 7.5.1 (level 2): file name + extension <= 30 characters; 7.6.3: directory identifier <= 31.
const MAX_FILE_CHARS = 30;
const MAX_EXT_CHARS = 8;
const MAX_DIR_CHARS = 31;

interface Parts {
  base: string;
  ext: string | null; // null for directories: their identifiers have no separator
  max: number; // room for base
}

function split(name: string, isDir: boolean): Parts {
  if (isDir) return { base: toDChars(name), ext: null, max: MAX_DIR_CHARS };
  const dot = name.lastIndexOf(".");
  const base = toDChars(dot > 0 ? name.slice(0, dot) : name);
  const ext = toDChars(dot > 0 ? name.slice(dot + 1) : "").slice(0, MAX_EXT_CHARS);
  return { base, ext, max: MAX_FILE_CHARS - ext.length };
}

/**
 * Primary identifiers for the entries of one directory (same order as `entries`): files get
 * "NAME.EXT;1" (7.5.1: the separator is always present), directories "NAME". Clashes are
 * resolved by a numeric tail, deciding in code-unit order of the real names so that the result
 * does not depend on input order. The clash key ignores ";1" and a bare trailing "." because
 * common readers strip both.
 */
export function primaryIdentifiers(entries: readonly { name: string; isDir: boolean }[]): string[] {
  const order = entries.map((_, i) => i).sort((a, b) => cmp(entries[a]!.name, entries[b]!.name));
  const used = new Set<string>();
  const out: string[] = new Array<string>(entries.length);
  for (const i of order) {
    const { name, isDir } = entries[i]!;
    const { base, ext, max } = split(name, isDir);
    let candidate = base.slice(0, max);
    for (let n = 1; used.has(candidate + (ext ? `.${ext}` : "")); n++) {
      candidate = base.slice(0, max - String(n).length) + String(n);
    }
    used.add(candidate + (ext ? `.${ext}` : ""));
    out[i] = ext === null ? candidate : `${candidate}.${ext};1`;
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compare two strings as if the shorter were padded with spaces (9.3). */
function padCompare(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  return cmp(a.padEnd(n, " "), b.padEnd(n, " "));
}

/** 9.3 order of primary identifiers: by name, then extension (versions are all 1). */
export function comparePrimary(a: string, b: string): number {
  const [an = "", ae = ""] = a.replace(/;\d+$/, "").split(".");
  const [bn = "", be = ""] = b.replace(/;\d+$/, "").split(".");
  return padCompare(an, bn) || padCompare(ae, be);
}
