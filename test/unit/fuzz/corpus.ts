// Loads the hand-written bad-input corpus (test/fixtures/bad-input/*.json, format in its README).
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Expect } from "./requests.ts";

export const CORPUS_DIR = fileURLToPath(new URL("../../fixtures/bad-input/", import.meta.url));

interface Build {
  prefix: string;
  repeat: string;
  times: number;
  middle?: string;
  repeatAfter?: string;
  suffix: string;
}

interface RawCase {
  name: string;
  raw?: string;
  request?: unknown;
  build?: Build;
  expect: Expect;
  type?: string;
  message?: string;
  where?: "both" | "exec";
}

export interface CorpusCase {
  file: string;
  name: string;
  raw: string;
  expect: Expect;
  type?: string;
  message?: RegExp;
  where: "both" | "exec";
}

function body(c: RawCase, file: string): string {
  const given = [c.raw !== undefined, c.request !== undefined, c.build !== undefined].filter(Boolean).length;
  if (given !== 1) throw new Error(`${file} '${c.name}': give exactly one of raw, request, build`);
  if (c.raw !== undefined) return c.raw;
  if (c.request !== undefined) return JSON.stringify(c.request);
  const b = c.build!;
  return b.prefix + b.repeat.repeat(b.times) + (b.middle ?? "") + (b.repeatAfter ?? "").repeat(b.times) + b.suffix;
}

export function loadCorpus(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const file of readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const doc = JSON.parse(readFileSync(join(CORPUS_DIR, file), "utf8")) as { cases: RawCase[] };
    for (const c of doc.cases) {
      out.push({
        file,
        name: c.name,
        raw: body(c, file),
        expect: c.expect,
        ...(c.type ? { type: c.type } : {}),
        ...(c.message ? { message: new RegExp(c.message) } : {}),
        where: c.where ?? "both",
      });
    }
  }
  return out;
}
