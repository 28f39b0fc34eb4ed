// Checksums of root.img on its way to the store: sha256 (what current Ironic verifies) and, when asked,
// md5 (what Ironic before Ussuri also insists on, image_checksum), the byte count, and the head bytes for
// the format sniffer. A pass-through: chunks leave untouched and at once. Every hash runs on its own
// thread, so the main thread only moves bytes: on two cores, gunzip (zlib's thread pool), the hashes
// and nginx then share the machine instead of queueing behind the upload.
import { Transform, type TransformCallback } from "node:stream";
import { SNIFF_BYTES, sniffImageFormat, type ImageFormat } from "./format.ts";
import { ParallelHashes } from "./hash-thread.ts";

export interface ImageDigest {
  size: number;
  sha256: string;
  /** Only when asked for (DigestOptions.md5). */
  md5?: string;
  format: ImageFormat;
}

export interface DigestOptions {
  /** Also compute md5 (about as much CPU again as the rest of the upload). */
  md5?: boolean;
  onBytes?: (total: number) => void;
}

export class DigestStream extends Transform {
  private readonly threaded: ParallelHashes<"sha256" | "md5">;
  private readonly head = Buffer.alloc(SNIFF_BYTES);
  private readonly onBytes: ((total: number) => void) | undefined;
  private bytes = 0;
  private digest: ImageDigest | undefined;

  constructor(opts: DigestOptions = {}) {
    super({ readableHighWaterMark: 256 << 10, writableHighWaterMark: 256 << 10 });
    this.onBytes = opts.onBytes;
    this.threaded = new ParallelHashes(opts.md5 ? ["sha256", "md5"] : ["sha256"]);
  }

  /** Available once the stream has finished. */
  get result(): ImageDigest | undefined {
    return this.digest;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.bytes < SNIFF_BYTES) chunk.copy(this.head, this.bytes, 0, SNIFF_BYTES - this.bytes);
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    this.push(chunk);
    this.threaded.update(chunk).then(() => done(), done); // copies the chunk into the ring first
  }

  override _flush(done: TransformCallback): void {
    const head = this.head.subarray(0, Math.min(this.bytes, SNIFF_BYTES));
    this.threaded.result().then(({ sha256, md5 }) => {
      this.digest = { size: this.bytes, sha256, ...(md5 ? { md5 } : {}), format: sniffImageFormat(head) };
      done();
    }, done);
  }

  override _destroy(err: Error | null, done: (error?: Error | null) => void): void {
    this.threaded.destroy();
    done(err);
  }
}
