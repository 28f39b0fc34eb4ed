// Checksums of root.img on its way to the store: sha256 (what current Ironic verifies) and md5 (what
// old Ironic only knows, image_checksum), the byte count, and the head bytes for the format sniffer.
// A pass-through: chunks leave untouched and at once. md5, the slow one (~700 MiB/s, no CPU support),
// runs on its own thread; sha256 (~1.7 GiB/s with SHA extensions) stays on this one: a second worker
// thread would cost ~10 MiB more memory for little gain on the 2-CPU machines the benchmark runs on.
import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { SNIFF_BYTES, sniffImageFormat, type ImageFormat } from "./format.ts";
import { ParallelHashes } from "./hash-thread.ts";

export interface ImageDigest {
  size: number;
  sha256: string;
  md5: string;
  format: ImageFormat;
}

export class DigestStream extends Transform {
  private readonly threaded = new ParallelHashes(["md5"] as const);
  private readonly sha256 = createHash("sha256");
  private readonly head = Buffer.alloc(SNIFF_BYTES);
  private bytes = 0;
  private digest: ImageDigest | undefined;

  constructor(private readonly onBytes?: (total: number) => void) {
    super({ readableHighWaterMark: 256 << 10, writableHighWaterMark: 256 << 10 });
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
    const handedOver = this.threaded.update(chunk); // copies the chunk first, so hashing here overlaps
    this.sha256.update(chunk);
    handedOver.then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    const head = this.head.subarray(0, Math.min(this.bytes, SNIFF_BYTES));
    this.threaded.result().then(({ md5 }) => {
      this.digest = { size: this.bytes, sha256: this.sha256.digest("hex"), md5, format: sniffImageFormat(head) };
      done();
    }, done);
  }

  override _destroy(err: Error | null, done: (error?: Error | null) => void): void {
    this.threaded.destroy();
    done(err);
  }
}
