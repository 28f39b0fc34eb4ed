// A stemcell's `image` file (gzipped tar holding root.img) opened as a stream of root.img's bytes:
// file → gunzip → tar member extractor → digest. Nothing is buffered beyond the streams' high-water
// marks, so memory stays flat whatever the image size. The size comes from the tar header before the
// first byte flows, which is what an upload with a Content-Length needs.
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { DigestStream, type ImageDigest } from "./digest.ts";
import { StemcellImageError } from "./errors.ts";
import { progressSteps, type ProgressReport } from "./progress.ts";
import { TarMemberExtractor, type TarMember } from "./tar-extract.ts";

export interface RootImage {
  /** Bytes of root.img, from its tar header. */
  size: number;
  /** root.img's bytes; read it exactly once. */
  body: Readable;
  /** Settles once the whole archive was read and checked (gzip CRC, tar structure). */
  done: Promise<ImageDigest>;
  /** Stops reading (after a failed upload); `done` then rejects. */
  abort(): void;
}

export interface OpenOptions {
  /** Called at every 10 % of root.img read (and hashed, and handed on). */
  onProgress?: ProgressReport;
  /** Name of the member to read; root.img for OpenStack stemcells. */
  member?: string;
  /** Also compute md5 (old Ironic). */
  md5?: boolean;
}

const READ_CHUNK = 256 << 10;
const INFLATE_CHUNK = 1 << 20;
const GZIP_MAGIC = [0x1f, 0x8b];

/** Is the file gzip? A plain tar is accepted too (stemcell builders always gzip, hand-made ones may not). */
async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await fh.close();
  }
}

/** Node's fs and zlib errors → StemcellImageError; ours and aborts pass through. */
function imageError(err: unknown, path: string): Error {
  if (err instanceof StemcellImageError) return err;
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  if (e.name === "AbortError") return err as Error;
  const code = typeof e.code === "string" ? e.code : "";
  const detail = typeof e.message === "string" ? e.message : String(err);
  if (code.startsWith("Z_") || /unexpected end of file|incorrect header check/i.test(detail)) {
    return new StemcellImageError("CORRUPT_GZIP", `the stemcell image is not a valid gzip stream (${detail})`, {
      cause: err,
    });
  }
  return new StemcellImageError("UNREADABLE", `cannot read the stemcell image ${path} (${code || detail})`, {
    cause: err,
  });
}

export async function openRootImage(path: string, opts: OpenOptions = {}): Promise<RootImage> {
  let gzip: boolean;
  try {
    gzip = await isGzip(path);
  } catch (err) {
    throw imageError(err, path);
  }
  const extractor = new TarMemberExtractor(opts.member);
  // the member's header (and so its size) is known before its first byte reaches the digest
  let tick = (_bytes: number) => {};
  extractor.once("member", (m: TarMember) => {
    if (opts.onProgress) tick = progressSteps(m.size, opts.onProgress);
  });
  const digest = new DigestStream({ md5: opts.md5 === true, onBytes: (bytes) => tick(bytes) });
  const abort = new AbortController();
  const source = createReadStream(path, { highWaterMark: READ_CHUNK });
  const stages: (Readable | Writable)[] = gzip
    ? [source, createGunzip({ chunkSize: INFLATE_CHUNK }), extractor, digest]
    : [source, extractor, digest];
  // Whose fault is a failure? A stage before the digest failing while the digest is still intact is
  // the image's problem; an upload that broke destroys the body (the digest) first, with its own
  // error, which is not. Listeners go on before pipeline()'s, so they run before it destroys the rest.
  let imageFailed = false;
  for (const stage of stages.slice(0, -1)) stage.once("error", () => (imageFailed ||= !digest.destroyed));
  const done = (pipeline as (...s: unknown[]) => Promise<void>)(...stages, { signal: abort.signal }).then(
    () => digest.result as ImageDigest,
    (err: unknown) => {
      throw imageFailed ? imageError(err, path) : err;
    },
  );
  done.catch(() => undefined); // callers await it later; never an unhandled rejection meanwhile

  const member = await new Promise<TarMember>((resolve, reject) => {
    extractor.once("member", resolve);
    done.then(() => reject(new StemcellImageError("NO_ROOT_IMG", "the stemcell image holds no root.img")), reject);
  });
  if (member.size === 0) {
    abort.abort();
    throw new StemcellImageError("EMPTY", `${member.name} in the stemcell image is empty`);
  }
  return { size: member.size, body: digest, done, abort: () => abort.abort() };
}
