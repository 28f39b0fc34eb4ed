// `info` through the bundle against `node -e 0`, interleaved so both see the same machine load.
// The first run primes the V8 code cache (as the director's first call does); it is not counted.
// Both run without NODE_EXTRA_CA_CERTS and NODE_OPTIONS: Node 20 parses the extra CA bundle at
// startup (~50 ms and 420 M instructions for the system bundle), which would inflate the baseline
// on machines that set it (this sandbox does; a director VM does not) and hide the CPI's own cost.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchRow, median, ms } from "./table.ts";

const BUNDLE = fileURLToPath(new URL("../dist/cpi.js", import.meta.url));

const ENV: NodeJS.ProcessEnv = { ...process.env };
delete ENV["NODE_EXTRA_CA_CERTS"];
delete ENV["NODE_OPTIONS"];

function timeRun(args: string[], input: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { input, stdio: ["pipe", "pipe", "ignore"], env: ENV });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function benchColdStart(opts: { runs?: number } = {}): Promise<BenchRow[]> {
  const runs = Math.max(10, opts.runs ?? 21);
  const dir = mkdtempSync(join(tmpdir(), "bench-cold-"));
  const config = join(dir, "cpi.json");
  writeFileSync(config, JSON.stringify({ ironic: { url: "http://127.0.0.1:9" }, stemcell_store: { url: "http://127.0.0.1:9/" }, agent: { mbus: "nats://127.0.0.1:4222" } }));
  const info = JSON.stringify({ method: "info", arguments: [], context: { director_uuid: "bench" } });
  const cpiArgs = [BUNDLE, "--config", config];
  const out = spawnSync(process.execPath, cpiArgs, { input: info, env: ENV }).stdout.toString();
  if (!out.includes('"api_version":3')) throw new Error(`info did not answer: ${out}`);
  const ours: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(timeRun(["-e", "0"], ""));
    ours.push(timeRun(cpiArgs, info));
  }
  const ratio = median(ours) / median(base);
  return [{ figure: `info cold start (median of ${runs})`, ours: ms(median(ours)), baseline: `${ms(median(base))} node -e 0`, ratio, goal: "≤ 1.25×", met: ratio <= 1.25 }];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { formatTable } = await import("./table.ts");
  console.log(formatTable(await benchColdStart()));
}
