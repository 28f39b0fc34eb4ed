// Cold starts of the CPI executable against `node -e 0` on the same Node binary, interleaved so both see
// the same machine load: `info` (sent before nearly every call) and `has_vm` (a method that loads the
// services and asks Ironic once; here a fake Ironic on 127.0.0.1). On the release's own Node 24 with
// its compile cache in a directory of its own, as bin/cpi runs it, and on this machine's Node (20: no
// compile cache). The first run of each is not counted: it fills the cache, as the director's first
// call does. Both sides
// run without NODE_EXTRA_CA_CERTS and NODE_OPTIONS: Node 20 parses the extra CA bundle at startup
// (~50 ms, which this sandbox sets and a director VM does not) and would hide the CPI's own cost.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadFixture, startFakeHttp } from "../test/support/fake-http.ts";
import { releaseNode, releaseNodeVersion } from "../test/support/release-node.ts";
import { type BenchRow, median, ms } from "./table.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = join(REPO, "dist/cpi.js");

const ENV: NodeJS.ProcessEnv = { ...process.env };
delete ENV["NODE_EXTRA_CA_CERTS"];
delete ENV["NODE_OPTIONS"];

/** Wall time of one process; asynchronous, so the fake Ironic in this process can answer it. */
function timeRun(
  node: string,
  args: string[],
  input: string,
  expect: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(node, args, { stdio: ["pipe", "pipe", "ignore"], env });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const took = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${args.join(" ")} exited ${code}`));
      else if (expect !== undefined && !out.includes(expect))
        reject(new Error(`unexpected answer: ${out.slice(0, 200)}`));
      else resolve(took);
    });
    child.stdin.end(input);
  });
}

export async function benchColdStart(opts: { runs?: number } = {}): Promise<BenchRow[]> {
  const runs = Math.max(10, opts.runs ?? 21);
  const ironic = await startFakeHttp({
    "GET /": { body: loadFixture("ironic/root.json") },
    "GET /v1": { body: loadFixture("ironic/root.json") },
    "GET /v1/nodes": { body: { nodes: [] } },
    "GET /v1/nodes/detail": { body: { nodes: [] } },
    "GET /v1/nodes/7f1d2c3b-0000-4000-8000-0000000000b1": {
      status: 404,
      body: {
        error_message: JSON.stringify({ faultstring: "Node 7f1d2c3b-0000-4000-8000-0000000000b1 could not be found." }),
      },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), "bench-cold-"));
  try {
    const config = join(dir, "cpi.json");
    writeFileSync(
      config,
      JSON.stringify({
        ironic: { url: ironic.url },
        stemcell_store: { url: "http://127.0.0.1:9/" },
        agent: { mbus: "nats://127.0.0.1:4222" },
      }),
    );
    const request = (method: string, args: unknown[]) =>
      JSON.stringify({ method, arguments: args, context: { director_uuid: "bench" }, api_version: 2 });
    const calls = [
      { method: "info", input: request("info", []), expect: '"api_version":3', goal: 1.7 },
      {
        method: "has_vm",
        input: request("has_vm", ["7f1d2c3b-0000-4000-8000-0000000000b1"]),
        expect: '"result":false',
        goal: 2.5,
      },
    ];
    const rows: BenchRow[] = [];
    const nodes = [
      {
        path: releaseNode(),
        version: `v${releaseNodeVersion()}`,
        env: { ...ENV, NODE_COMPILE_CACHE: join(dir, "compile-cache") },
      },
      { path: process.execPath, version: process.version, env: ENV },
    ];
    for (const node of nodes) {
      for (const call of calls) {
        const cpi = () => timeRun(node.path, [BUNDLE, "--config", config], call.input, call.expect, node.env);
        const base = () => timeRun(node.path, ["-e", "0"], "", undefined, ENV);
        await cpi(); // fills the caches, not counted
        const ours: number[] = [];
        const baseline: number[] = [];
        for (let i = 0; i < runs; i++) {
          baseline.push(await base());
          ours.push(await cpi());
        }
        const ratio = median(ours) / median(baseline);
        rows.push({
          figure: `${call.method} cold start, Node ${node.version} (median of ${runs})`,
          ours: ms(median(ours)),
          baseline: `${ms(median(baseline))} node -e 0`,
          ratio,
          goal: `≤ ${call.goal}×`,
          met: ratio <= call.goal,
        });
      }
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await ironic.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { formatTable } = await import("./table.ts");
  console.log(formatTable(await benchColdStart()));
}
