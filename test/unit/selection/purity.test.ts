// selection/ is a pure core (house style §3.9): data in, data out; no I/O, no clock, no randomness.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

const DIR = join(import.meta.dirname, "../../../src/selection");

it.each(readdirSync(DIR).filter((f) => f.endsWith(".ts")))("src/selection/%s does no I/O and reads no clock", (file) => {
  const text = readFileSync(join(DIR, file), "utf8");
  expect(text).not.toMatch(/from "(node:[a-z_]+|got|webdav|pino)"/);
  expect(text).not.toMatch(/from "\.\.\/(ironic|services|webdav|log)\//);
  expect(text).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random\(|process\./);
});
