// Names a caller might use to escape its folder in the store, or to smuggle bytes into a URL path,
// and a way to prove that refusing them sent nothing. Shared by unit and integration tests.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const TRAVERSALS = [
  "..",
  "../x",
  "a/b",
  "a\\b",
  "%2f",
  "..%2fregistry",
  "a%2F..%2Fb",
  "%2e%2e",
  "a\nb",
  "a\rb",
  "\u0000",
  "a\u0000.img",
  "a\u007fb",
  "\ttab",
  "",
  " lead",
  "a b",
  ".hidden",
  "-dash",
  "x..y",
  "ünïcode",
  "a?b",
  "a#b",
  "x".repeat(256),
];

/** Requests an nginx of test/harness/webdav.ts has logged so far (its data dir's sibling logs/access.log). */
export function accessLogLines(dataDir: string): number {
  const log = join(dirname(dataDir), "logs", "access.log");
  return existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0;
}

/** The access log's line count once nginx has finished logging earlier requests (it logs after answering). */
export async function settledAccessLogLines(dataDir: string): Promise<number> {
  let last = accessLogLines(dataDir);
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = accessLogLines(dataDir);
    if (now === last) return now;
    last = now;
  }
}
