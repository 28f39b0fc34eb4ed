// Builds tar archives byte by byte for tests (independent of src/stemcell): POSIX ustar headers,
// old GNU headers, GNU 'L' long names, pax 'x' headers, base-256 sizes. Plus stemcell image helpers.
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";

export interface TarEntry {
  name: string;
  data?: Buffer | string;
  /** type flag, default "0" */
  type?: string;
  linkname?: string;
  /** how a name longer than 100 bytes is written */
  longName?: "gnu" | "pax" | "prefix";
  /** old GNU magic ("ustar  \0") instead of POSIX "ustar\0" + "00" */
  gnuMagic?: boolean;
  /** write the size field in base-256 */
  base256Size?: boolean;
  /** pax records to write before this entry */
  pax?: Record<string, string>;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

export function header(name: string, size: number, e: Partial<TarEntry> = {}, prefix = ""): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name.slice(0, 100), 0, "utf8");
  h.write(octal(0o644, 8), 100, "latin1");
  h.write(octal(0, 8), 108, "latin1");
  h.write(octal(0, 8), 116, "latin1");
  if (e.base256Size) {
    h[124] = 0x80;
    h.writeUIntBE(size, 136 - 6, 6);
  } else h.write(octal(size, 12), 124, "latin1");
  h.write(octal(1_700_000_000, 12), 136, "latin1");
  h.write(e.type ?? "0", 156, "latin1");
  if (e.linkname) h.write(e.linkname, 157, "utf8");
  if (e.gnuMagic) h.write("ustar  \0", 257, "latin1");
  else {
    h.write("ustar\0", 257, "latin1");
    h.write("00", 263, "latin1");
    if (prefix) h.write(prefix, 345, "utf8");
  }
  h.write("        ", 148, "latin1");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return h;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}

function paxRecords(records: Record<string, string>): Buffer {
  const parts = Object.entries(records).map(([k, v]) => {
    const body = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) !== len) len++;
    return Buffer.from(`${len}${body}`);
  });
  return Buffer.concat(parts);
}

export function buildTar(entries: TarEntry[], opts: { end?: boolean } = {}): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === "string" ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    let name = e.name;
    let prefix = "";
    const pax = { ...e.pax };
    if (Buffer.byteLength(name) > 100) {
      if (e.longName === "gnu") {
        const ln = Buffer.from(`${name}\0`);
        out.push(header("././@LongLink", ln.length, { type: "L", gnuMagic: true }), pad(ln));
        name = name.slice(0, 100);
      } else if (e.longName === "prefix") {
        const cut = name.lastIndexOf("/", 155);
        prefix = name.slice(0, cut);
        name = name.slice(cut + 1);
      } else {
        pax["path"] = name;
        name = `PaxHeaders/${name.slice(-80)}`;
      }
    }
    if (Object.keys(pax).length > 0) {
      const records = paxRecords(pax);
      out.push(header(`PaxHeaders.0/${name.slice(-50)}`, records.length, { type: "x" }), pad(records));
    }
    out.push(header(name, data.length, e, prefix), pad(data));
  }
  if (opts.end !== false) out.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(out);
}

/** A small "raw disk": an MBR signature and some random sectors. */
export function rawImage(size = 300_000): Buffer {
  const img = randomBytes(size);
  img.fill(0, 0, 512);
  img[510] = 0x55;
  img[511] = 0xaa;
  return img;
}

/** A qcow2 header (magic, version 3, cluster bits 16, virtual size) followed by data. */
export function qcow2Image(size = 200_000): Buffer {
  const img = randomBytes(size);
  img.fill(0, 0, 104);
  Buffer.from([0x51, 0x46, 0x49, 0xfb]).copy(img, 0);
  img.writeUInt32BE(3, 4);
  img.writeUInt32BE(16, 20);
  img.writeBigUInt64BE(10n * 1024n * 1024n * 1024n, 24);
  return img;
}

/** The stemcell `image` file: gzip(tar(root.img [+ others])). */
export function stemcellImage(root: Buffer, others: TarEntry[] = []): Buffer {
  return gzipSync(buildTar([...others, { name: "root.img", data: root }]));
}
