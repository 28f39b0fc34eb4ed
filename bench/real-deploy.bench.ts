// `npm run bench -- --real`: the real-deploy rows (real-deploy.ts), measured on the e2e test bed, which
// needs root, the test bed's packages and the images scripts/e2e.sh builds and caches (~25 min the first
// time); a deploy under software emulation takes minutes, so these rows are asked for, not run by default.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchRow } from "./table.ts";

export async function benchRealDeploy(): Promise<BenchRow[]> {
  const out = join(mkdtempSync(join(tmpdir(), "bench-real-")), "rows.json");
  const code = await new Promise<number | null>((resolve, reject) => {
    // its progress and timelines go to this process's stderr; an hour bounds a hung deploy
    const child = spawn("bash", ["scripts/e2e.sh", "--run", "bench/real-deploy.ts", out], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    const kill = setTimeout(() => child.kill("SIGTERM"), 3_600_000);
    child.on("error", reject);
    child.on("close", (c) => {
      clearTimeout(kill);
      resolve(c);
    });
  });
  if (code !== 0) throw new Error(`scripts/e2e.sh --run bench/real-deploy.ts exited ${code}`);
  return JSON.parse(readFileSync(out, "utf8")) as BenchRow[];
}
