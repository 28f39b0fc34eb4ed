// Fixed-width field writers. ECMA-119 stores most numbers twice ("both-byte orders",
// 7.2.3 / 7.3.3): little-endian first, then big-endian, so readers of either
// architecture can use them directly. Identifier fields are space padded (7.4.3).

export const SECTOR = 2048; // logical block size (6.1.2); we use one size for everything

export function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR);
}

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** 7.3.3: 32-bit value, LE then BE (8 bytes). */
export function putBoth32(buf: Uint8Array, off: number, v: number): void {
  const dv = view(buf);
  dv.setUint32(off, v, true);
  dv.setUint32(off + 4, v, false);
}

/** 7.2.3: 16-bit value, LE then BE (4 bytes). */
export function putBoth16(buf: Uint8Array, off: number, v: number): void {
  const dv = view(buf);
  dv.setUint16(off, v, true);
  dv.setUint16(off + 2, v, false);
}

export function put32(buf: Uint8Array, off: number, v: number, littleEndian: boolean): void {
  view(buf).setUint32(off, v, littleEndian);
}

export function put16(buf: Uint8Array, off: number, v: number, littleEndian: boolean): void {
  view(buf).setUint16(off, v, littleEndian);
}

/** ASCII text, space padded to `len` bytes. Callers validate the characters. */
export function putAscii(buf: Uint8Array, off: number, len: number, text: string): void {
  buf.fill(0x20, off, off + len);
  for (let i = 0; i < text.length && i < len; i++) buf[off + i] = text.charCodeAt(i);
}

/** Joliet text: UCS-2 big-endian, padded with U+0020; an odd-sized field ends in one 0x00 byte. */
export function putUcs2(buf: Uint8Array, off: number, len: number, text: string): void {
  const chars = Math.floor(len / 2);
  for (let i = 0; i < chars; i++) {
    put16(buf, off + 2 * i, i < text.length ? text.charCodeAt(i) : 0x20, false);
  }
  if (len % 2 === 1) buf[off + len - 1] = 0;
}

export function utf16be(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[2 * i] = text.charCodeAt(i) >> 8;
    out[2 * i + 1] = text.charCodeAt(i) & 0xff;
  }
  return out;
}

export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Unsigned lexicographic byte order; a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
