// The esbuild bundles the release packages (dist/), built once when missing.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./render.ts";

export const DIST = join(REPO, "dist");

/** The bundle files the bosh-ironic-cpi package spec lists (bosh-ironic-cpi/<file>). */
export function ensureBundle(files: readonly string[]): void {
  if (files.every((f) => existsSync(join(DIST, f)))) return;
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO, stdio: ["ignore", "ignore", "inherit"] });
  const missing = files.filter((f) => !existsSync(join(DIST, f)));
  if (missing.length > 0) throw new Error(`npm run build did not produce dist/${missing.join(", dist/")}`);
}

/** Runs `node dist/cpi.js check-config --config <file>`: the CPI's own validation of a rendered cpi.json. */
export function checkConfig(path: string): { status: number | null; stdout: string } {
  try {
    const stdout = execFileSync(process.execPath, [join(DIST, "cpi.js"), "check-config", "--config", path], {
      encoding: "utf8",
    });
    return { status: 0, stdout };
  } catch (e) {
    const err = e as { status: number | null; stdout: string };
    return { status: err.status, stdout: err.stdout };
  }
}
