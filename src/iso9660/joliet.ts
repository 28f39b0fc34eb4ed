// Joliet (Microsoft, 1995): a supplementary volume descriptor (ECMA-119 8.5) whose escape
// sequence announces UCS-2, and a second directory tree whose identifiers are UCS-2
// big-endian. This tree carries the real names for readers without Rock Ridge (7-Zip,
// Windows). Files get no ";1" version suffix, as genisoimage writes them, which keeps a
// 64-character name within the 128-byte identifier limit.
import { compareBytes, utf16be } from "./bytes.ts";

/** 8.5.6 escape sequences: "%/E" = UCS-2 level 3 (all characters, combining ones too). */
export const JOLIET_ESCAPE = "%/E";

export function jolietIdentifier(name: string): Uint8Array {
  return utf16be(name); // names were checked by checkName: BMP only, no forbidden characters
}

/**
 * Joliet entries are ordered by UCS-2 code unit, a proper prefix first (as libisofs does):
 * the space padding of ECMA-119 9.3 is defined for single bytes and has no UCS-2 meaning.
 */
export function compareJoliet(a: Uint8Array, b: Uint8Array): number {
  return compareBytes(a, b);
}
