// Rock Ridge 1.09 ("RRIP_1991A", what genisoimage -r writes) on top of SUSP 1.10: POSIX
// names (NM), attributes (PX) and times (TF) in the System Use field of primary-tree
// directory records (ECMA-119 9.1.13). Attributes are normalised like genisoimage -r:
// uid/gid 0, files r--r--r--, directories r-xr-xr-x.
import { asciiBytes, concat, putBoth32, SECTOR } from "./bytes.ts";

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
export const DIR_MODE = S_IFDIR | 0o555;
export const FILE_MODE = S_IFREG | 0o444;

// RRIP 1.09 4.1 "RR" entry flags: which RRIP entries this record carries.
const RR_PX = 0x01;
const RR_NM = 0x08;
const RR_TF = 0x80;

const ER_ID = "RRIP_1991A";
const ER_DESCRIPTOR = "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
const ER_SOURCE =
  "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME " +
  "DESCRIPTOR FOR CONTACT INFORMATION.";

/** SUSP 4.1: every entry is signature (2), length (1), version (1), then data. */
function entry(sig: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + data.length);
  out.set(asciiBytes(sig));
  out[2] = out.length;
  out[3] = 1;
  out.set(data, 4);
  return out;
}

function both32(...values: number[]): Uint8Array {
  const out = new Uint8Array(8 * values.length);
  for (const [i, v] of values.entries()) putBoth32(out, 8 * i, v);
  return out;
}

/** SUSP 5.3 SP: marks SUSP use; only in the first ("." ) record of the root. 0 bytes skipped. */
const sp = () => entry("SP", Uint8Array.of(0xbe, 0xef, 0));
const rr = (flags: number) => entry("RR", Uint8Array.of(flags));
/** RRIP 4.1.1 PX in its 1.09 form (36 bytes, no inode number): mode, links, uid, gid. */
const px = (mode: number, links: number) => entry("PX", both32(mode, links, 0, 0));
/** RRIP 4.1.6 TF, short dates: modify, access, attributes (flags 0x0E, as genisoimage). */
const tf = (date7: Uint8Array) => entry("TF", concat([Uint8Array.of(0x0e), date7, date7, date7]));
/** RRIP 4.1.4 NM with no flags: the whole name in one entry (at most 5 + 3*64 bytes). */
const nm = (name: string) => entry("NM", concat([Uint8Array.of(0), new TextEncoder().encode(name)]));
/** SUSP 5.1 CE: where the rest of this System Use area continues. */
const ce = (block: number, offset: number, length: number) => entry("CE", both32(block, offset, length));

/** SUSP 5.5 ER: announces the extension; lives in the root's continuation area. */
function er(): Uint8Array {
  const head = Uint8Array.of(ER_ID.length, ER_DESCRIPTOR.length, ER_SOURCE.length, 1);
  return entry("ER", concat([head, asciiBytes(ER_ID + ER_DESCRIPTOR + ER_SOURCE)]));
}

/**
 * Continuation areas of all records, packed into consecutive blocks. SUSP 5.1 gives each area
 * a block, offset and length; an area never straddles a block (pycdlib insists on that).
 * Blocks are numbered from 0 here; `base` is added once the layout knows where they go.
 */
export class ContinuationArea {
  private readonly blocks: Uint8Array[] = [];
  private used = SECTOR;

  add(data: Uint8Array, base: number): Uint8Array {
    if (this.used + data.length > SECTOR) {
      this.blocks.push(new Uint8Array(SECTOR));
      this.used = 0;
    }
    const index = this.blocks.length - 1;
    (this.blocks[index] as Uint8Array).set(data, this.used);
    const pointer = ce(base + index, this.used, data.length);
    this.used += data.length;
    return pointer;
  }

  get sectors(): number {
    return this.blocks.length;
  }

  bytes(): Uint8Array {
    return concat(this.blocks);
  }
}

export interface RockRidgeInput {
  kind: "root-dot" | "dot" | "named"; // "." of the root / other "." and ".." / a named entry
  isDir: boolean;
  links: number;
  name?: string; // only for "named"
  date7: Uint8Array;
}

/** The System Use field of one record; spills NM to the continuation area if `room` is short. */
export function rockRidgeField(rec: RockRidgeInput, room: number, area: ContinuationArea, base: number): Uint8Array {
  const mode = rec.isDir ? DIR_MODE : FILE_MODE;
  const common = [px(mode, rec.links), tf(rec.date7)];
  if (rec.kind === "root-dot") return concat([sp(), rr(RR_PX | RR_TF), ...common, area.add(er(), base)]);
  if (rec.kind === "dot") return concat([rr(RR_PX | RR_TF), ...common]);
  const name = nm(rec.name ?? "");
  const inline = concat([rr(RR_PX | RR_NM | RR_TF), name, ...common]);
  if (inline.length <= room) return inline;
  return concat([rr(RR_PX | RR_NM | RR_TF), ...common, area.add(name, base)]);
}
