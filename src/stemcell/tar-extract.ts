// A streaming tar reader that passes on the bytes of ONE member (a stemcell's root.img) and drops
// everything else, without buffering the member: its bytes leave as subarrays of the input chunks.
// Long names come from GNU 'L' records or pax 'x' headers (path=, size=). The output ends only once
// the whole archive has been read, so a damaged tail (or gzip trailer upstream) still fails the stream.
import { Transform, type TransformCallback } from "node:stream";
import { StemcellImageError } from "./errors.ts";
import { BLOCK, isZeroBlock, paddedSize, parseHeader, parsePax, type TarHeader } from "./tar-header.ts";

export interface TarMember {
  name: string;
  size: number;
}

/** Metadata records are read whole; anything larger is not a real archive. */
const MAX_METADATA = 1024 * 1024;
const FILE_TYPES = new Set(["0", "7"]);

type Mode = "header" | "emit" | "collect" | "skip" | "end";

/** "./root.img" and "root.img" name the same member. */
export function memberName(name: string): string {
  return name.replace(/^(\.\/)+/, "");
}

export class TarMemberExtractor extends Transform {
  private mode: Mode = "header";
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Bytes of the current entry still to handle in the current mode, then its padding to skip. */
  private remaining = 0;
  private padding = 0;
  private collected: Buffer[] = [];
  private collecting: "L" | "x" | "other" = "other";
  private longName: string | undefined;
  private pax: Record<string, string> = {};
  private found: TarMember | undefined;

  constructor(private readonly wanted = "root.img") {
    super({ readableHighWaterMark: 256 << 10 });
  }

  /** The wanted member, once its header was read. */
  get member(): TarMember | undefined {
    return this.found;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.mode !== "header" && this.mode !== "end")
      done(new StemcellImageError("TRUNCATED", "tar archive ends inside an entry"));
    else if (this.headerFill !== 0) done(new StemcellImageError("TRUNCATED", "tar archive ends inside a header block"));
    else if (!this.found) done(new StemcellImageError("NO_ROOT_IMG", `the stemcell image holds no ${this.wanted}`));
    else done();
  }

  private consume(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.mode === "end") return; // trailing zero blocks and record padding
      if (this.mode === "header") {
        const n = Math.min(BLOCK - this.headerFill, chunk.length - pos);
        chunk.copy(this.header, this.headerFill, pos, pos + n);
        this.headerFill += n;
        pos += n;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.onHeader();
        }
        continue;
      }
      if (this.remaining === 0) {
        const n = Math.min(this.padding, chunk.length - pos);
        this.padding -= n;
        pos += n;
        if (this.padding === 0) this.endEntry();
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - pos);
      const part = chunk.subarray(pos, pos + n);
      if (this.mode === "emit") this.push(part);
      else if (this.mode === "collect") this.collected.push(Buffer.from(part));
      this.remaining -= n;
      pos += n;
      if (this.remaining === 0 && this.padding === 0) this.endEntry();
    }
  }

  private onHeader(): void {
    if (isZeroBlock(this.header)) {
      this.mode = "end";
      return;
    }
    const h = parseHeader(this.header);
    const name = memberName(this.pax["path"] ?? this.longName ?? h.name);
    const size = this.pax["size"] !== undefined ? Number(this.pax["size"]) : h.size;
    if (!Number.isSafeInteger(size) || size < 0)
      throw new StemcellImageError("NOT_TAR", `tar entry ${JSON.stringify(name)} has an invalid size`);
    if (h.type === "L" || h.type === "x" || h.type === "g" || h.type === "K") {
      this.startMetadata(h);
      return;
    }
    this.longName = undefined;
    this.pax = {};
    this.startEntry(size, "skip");
    if (name !== this.wanted) return;
    if (!FILE_TYPES.has(h.type))
      throw new StemcellImageError(
        "NOT_A_FILE",
        `${this.wanted} in the stemcell image is not a regular file (tar type '${h.type}')`,
      );
    if (this.found) throw new StemcellImageError("DUPLICATE", `the stemcell image holds ${this.wanted} twice`);
    this.found = { name, size };
    this.emit("member", this.found);
    this.mode = size === 0 ? "header" : "emit";
  }

  private startMetadata(h: TarHeader): void {
    if (h.size > MAX_METADATA)
      throw new StemcellImageError("NOT_TAR", `tar '${h.type}' record of ${h.size} bytes is implausibly large`);
    // 'g' (global) and 'K' (link name) are read and dropped
    this.collecting = h.type === "L" || h.type === "x" ? h.type : "other";
    this.collected = [];
    this.startEntry(h.size, "collect");
  }

  private startEntry(size: number, mode: Mode): void {
    this.mode = mode;
    this.remaining = size;
    this.padding = paddedSize(size) - size;
    if (size === 0) this.endEntry();
  }

  private endEntry(): void {
    if (this.mode === "collect") {
      const data = Buffer.concat(this.collected);
      if (this.collecting === "L") this.longName = data.toString("utf8").replace(/\0.*$/s, "");
      if (this.collecting === "x") this.pax = { ...this.pax, ...parsePax(data) };
      this.collected = [];
    }
    this.mode = "header";
  }
}
