// Synchronous stdin/stdout for the one request and the one response. process.stdin/stdout would
// build stream objects (and load their modules) in every CPI process, and `info` runs before
// nearly every call, so the plain file descriptors keep startup short.
import { NamedError } from "./errors.ts";
import { fstatSync, readSync, writeSync } from "node:fs";

const EAGAIN = "EAGAIN";
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export class InputTooLarge extends NamedError {}

const inputTooLarge = (limit: number) => new InputTooLarge(`request is larger than ${limit} bytes`);

/** Reads fd until end of file; more than `limit` bytes throws InputTooLarge. */
export function readAll(fd: number, limit: number): string {
  const chunks: Buffer[] = [];
  let size = 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      // a parent may hand over a non-blocking pipe
      if ((e as NodeJS.ErrnoException).code === EAGAIN) {
        pause(5);
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === "EOF") break;
      throw e;
    }
    if (n === 0) break;
    size += n;
    if (size > limit) throw inputTooLarge(limit);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Writes all of `text` to fd, waiting out a full non-blocking pipe. */
export function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text, "utf8");
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== EAGAIN) throw e;
      pause(5);
    }
  }
}

/**
 * Is fd 0 a terminal? process.stdin.isTTY would build the stdin stream (and load net and streams) on
 * every call; a pipe, the director's way, is told apart by one fstat, and node:tty loads only for
 * character devices.
 */
export function stdinIsTerminal(): boolean {
  try {
    return fstatSync(0).isCharacterDevice() && process.getBuiltinModule("node:tty").isatty(0);
  } catch {
    return false; // no fd 0 at all: reading it reports what is wrong
  }
}
