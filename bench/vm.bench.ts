// VM lifecycle figures on a dedicated real Ironic (fake-hardware) and WebDAV, each beside a baseline
// measured in the same run. The CPI runs as bin/cpi runs it: one process per call on the release's
// Node 24 with its compile cache.
//   1. create_vm overhead: a whole create_vm process minus Ironic's own deploy time (PUT active →
//      active, polled every 20 ms, same node pool), interleaved runs, medians; and per create_vm the
//      Ironic requests it sent (through a counting proxy) and the CPU seconds of its process
//   2. 20 (and 32, the director's default max_threads) parallel create_vm processes on as many nodes vs
//      Ironic alone deploying the same nodes at once
//   3. 30 parallel create_vm on 10 nodes: 10 VMs, 20 typed errors, 0 nodes left claimed
//   4. selection among 1000 enrolled nodes: Ironic requests and time vs one filtered list call
// Standalone: `node --import tsx bench/vm.bench.ts [--only=overhead,parallel,thirty,selection]`.
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { Config } from "../src/config/schema.ts";
import { parseDomainPath } from "../src/selection/failure-domains.ts";
import { pass } from "../src/services/pool/acquire.ts";
import { connectIronic } from "../src/wiring.ts";
import { selectionRequest } from "../src/services/vm/create.ts";
import { parseVmCloudProperties } from "../src/services/vm/cloud-properties.ts";
import { type IronicRelease, type IronicShape, startIronic } from "../test/harness/ironic.ts";
import { startWebdav } from "../test/harness/webdav.ts";
import { startFaultProxy } from "../test/support/fault-proxy.ts";
import { releaseNode } from "../test/support/release-node.ts";
import { IronicRest, type TestNodeSpec, claimedWithoutVm, createNodes } from "../test/support/ironic-fixtures.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../test/support/stemcell-tarball.ts";
import { type BenchRow, median } from "./table.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = join(ROOT, "dist/cpi.js");
const NETWORKS = { default: { type: "dynamic", cloud_properties: {} } };
const s = (msv: number) => `${(msv / 1000).toFixed(2)} s`;

type Answer = { result: unknown; error: { type: string; message: string; ok_to_retry: boolean } | null };
type Call = { answer: Answer; ms: number; cpuSeconds: number };

/** `times` of the shell after the CPI exits: its second line is the children's user and system time. */
const CPU_WRAPPER = '"$@"; rc=$?; times >&2; exit $rc';

/** One CPI process; the wall time, the answer, and the CPU seconds (user + system) it used. */
function cpi(
  node: { path: string; env: NodeJS.ProcessEnv },
  configPath: string,
  method: string,
  args: unknown[],
): Promise<Call> {
  const started = performance.now();
  const req = {
    method,
    arguments: args,
    context: { director_uuid: "bench", request_id: "cpi-000001", vm: { stemcell: { api_version: 2 } } },
    api_version: 2,
  };
  return new Promise((resolve, reject) => {
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of every CPI process, to see where its time goes
    const prof = process.env["BENCH_CPU_PROF"] ? ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_CPU_PROF"]}`] : [];
    const child = spawn("bash", ["-c", CPU_WRAPPER, "cpi", node.path, ...prof, BUNDLE, "--config", configPath], {
      stdio: ["pipe", "pipe", "pipe"],
      env: node.env,
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4096)));
    child.on("error", reject);
    child.on("close", () => {
      try {
        const ms = performance.now() - started;
        const times = err
          .trim()
          .split("\n")
          .at(-1)!
          .match(/(\d+)m([\d.]+)s/g)!
          .map((t) => {
            const [m, sec] = t.split("m");
            return Number(m) * 60 + Number.parseFloat(sec!);
          });
        resolve({ answer: JSON.parse(Buffer.concat(out).toString()) as Answer, ms, cpuSeconds: times[0]! + times[1]! });
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(JSON.stringify(req));
  });
}

/** Ironic alone: PUT active with a config drive on a claimed node, then polls every `pollMs` until active. */
async function ironicDeploy(rest: IronicRest, uuid: string, pollMs = 20): Promise<number> {
  await rest.call("PATCH", `/v1/nodes/${uuid}`, [
    { op: "add", path: "/instance_uuid", value: randomUUID() },
    { op: "add", path: "/instance_info/image_source", value: "http://127.0.0.1:1/x" },
  ]);
  const started = performance.now();
  await rest.call("PUT", `/v1/nodes/${uuid}/states/provision`, {
    target: "active",
    configdrive: Buffer.from("config drive").toString("base64"),
  });
  for (;;) {
    const n = await rest.call<{ provision_state: string; target_provision_state: string | null }>(
      "GET",
      `/v1/nodes/${uuid}?fields=provision_state,target_provision_state`,
    );
    if (n.provision_state === "active" && !n.target_provision_state) return performance.now() - started;
    if (n.provision_state.includes("fail")) throw new Error(`baseline deploy ended ${n.provision_state}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function undeployAll(rest: IronicRest, uuids: readonly string[]): Promise<void> {
  for (const u of uuids) {
    const n = await rest.node(u);
    // the CPI protects a server running a VM (API 1.48): the bench clears up as an operator would, lifting it first
    if (n["protected"] === true)
      await rest.call("PATCH", `/v1/nodes/${u}`, [{ op: "replace", path: "/protected", value: false }]);
    if (n.provision_state === "active") await rest.provision(u, "deleted", ["available"]);
    if (n.instance_uuid || n.extra["bosh"])
      await rest.call(
        "PATCH",
        `/v1/nodes/${u}`,
        [
          ...(n.instance_uuid ? [{ op: "remove", path: "/instance_uuid" }] : []),
          ...(n.extra["bosh"] ? [{ op: "remove", path: "/extra/bosh" }] : []),
        ],
        [400],
      );
  }
}

export interface BenchVmOptions {
  /** interleaved create_vm / Ironic-deploy pairs for figure 1 (default 7) */
  runs?: number;
  /** nodes for the selection figure (default 1000) */
  poolSize?: number;
  /** figures to measure (default all) */
  only?: readonly ("overhead" | "parallel" | "thirty" | "selection")[];
  /** Ironic's shape (test/harness/ironic.ts); distributed rows say so in their figure */
  shape?: IronicShape;
  /** which Ironic (default: IRONIC_RELEASE, else today's from PyPI); Debian's 21.4 rows say so in their figure */
  release?: IronicRelease;
}

interface Env {
  rest: IronicRest;
  ironicUrl: string;
  config: Record<string, unknown>;
  createVm: (rc: string) => Promise<Call>;
  /** create_vm through a counting proxy in front of Ironic: the requests it sent */
  countedCreateVm: (rc: string) => Promise<Call & { requests: string[] }>;
  /** a node spec spread over the conductor groups (the distributed shape has no conductor for "") */
  spread: (spec: TestNodeSpec) => (i: number) => TestNodeSpec;
  /** " (distributed Ironic)" or "" */
  shapeLabel: string;
}

export async function benchVm(opts: BenchVmOptions = {}): Promise<BenchRow[]> {
  const want = (f: NonNullable<BenchVmOptions["only"]>[number]) => !opts.only || opts.only.includes(f);
  if (!existsSync(BUNDLE))
    execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit", cwd: ROOT });
  // Power sync every 5 s over 1000 nodes would compete with the figures: slow it down.
  const [ironic, webdav] = await Promise.all([
    startIronic({
      powerSyncInterval: 600,
      syncInterval: 5,
      shape: opts.shape ?? "all-in-one",
      ...(opts.release ? { release: opts.release } : {}),
    }),
    startWebdav(),
  ]);
  const groups = ironic.conductors.map((c) => c.group);
  const proxy = await startFaultProxy({ upstream: ironic.url, rate: 0 });
  const dir = mkdtempSync(join(tmpdir(), "bench-vm-"));
  try {
    const node = { path: releaseNode(), env: { ...process.env, NODE_COMPILE_CACHE: join(dir, "compile-cache") } };
    const configPath = join(dir, "cpi.json");
    const config = {
      ironic: { url: ironic.url },
      stemcell_store: { url: webdav.url, username: webdav.username, password: webdav.password },
      agent: { mbus: "nats://nats:pw@10.0.0.6:4222" },
    };
    writeFileSync(configPath, JSON.stringify(config));
    const proxiedConfig = join(dir, "cpi-proxied.json");
    writeFileSync(proxiedConfig, JSON.stringify({ ...config, ironic: { url: proxy.url } }));
    const image = writeStemcellImage(join(dir, "image"), 64 * 1024);
    const sc = await cpi(node, configPath, "create_stemcell", [image.path, stemcellCloudProperties("1")]);
    if (sc.answer.error) throw new Error(`create_stemcell: ${sc.answer.error.message}`);
    const stemcell = sc.answer.result as string;
    const createVmArgs = (rc: string) => [randomUUID(), stemcell, { resource_class: rc }, NETWORKS, [], {}];
    const env: Env = {
      rest: new IronicRest(ironic.url),
      ironicUrl: ironic.url,
      config,
      spread: (spec) => (i) => (groups.length > 0 ? { ...spec, conductor_group: groups[i % groups.length]! } : spec),
      shapeLabel:
        (ironic.shape === "distributed" ? " (distributed Ironic)" : "") +
        (ironic.release === "debian" ? ` (Debian's Ironic ${ironic.version.replace(/^\d+:/, "").split("-")[0]})` : ""),
      createVm: (rc) => cpi(node, configPath, "create_vm", createVmArgs(rc)),
      countedCreateVm: async (rc) => {
        const from = proxy.requests.length;
        const call = await cpi(node, proxiedConfig, "create_vm", createVmArgs(rc));
        return {
          ...call,
          requests: proxy.requests
            .slice(from)
            .map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, "{id}").replace(/\?.*/, "")}`),
        };
      },
    };
    const rows: BenchRow[] = [];
    if (want("overhead")) rows.push(...(await overheadFigures(env, opts.runs ?? 7)));
    if (want("parallel")) for (const n of [20, 32]) rows.push(await parallelFigure(env, n));
    if (want("thirty")) rows.push(await thirtyOnTenFigure(env));
    if (want("selection")) {
      await createPool(env.rest, opts.poolSize ?? 1000);
      rows.push(await selectionFigure(env, opts.poolSize ?? 1000, false));
      rows.push(await selectionFigure(env, opts.poolSize ?? 1000, true));
    }
    return rows;
  } finally {
    await proxy.close();
    await Promise.allSettled([ironic.stop(), webdav.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 1. One create_vm (whole process) against Ironic's own deploy, interleaved on the same nodes; its requests and CPU. */
async function overheadFigures(
  { rest, createVm, countedCreateVm, spread, shapeLabel }: Env,
  runs: number,
): Promise<BenchRow[]> {
  const one = await createNodes(rest, "one", 2, spread({ resource_class: "one" }));
  const ours: number[] = [];
  const deploys: number[] = [];
  const cpu: number[] = [];
  const requests: number[] = [];
  let kinds = "";
  await createVm("one"); // not counted: fills the compile cache, as the director's first call does
  await undeployAll(
    rest,
    one.map((n) => n.uuid),
  );
  for (let i = 0; i < runs; i++) {
    deploys.push(await ironicDeploy(rest, one[0]!.uuid));
    await undeployAll(rest, [one[0]!.uuid]);
    const r = await createVm("one");
    if (r.answer.error) throw new Error(`create_vm: ${r.answer.error.message}`);
    ours.push(r.ms);
    await undeployAll(
      rest,
      one.map((n) => n.uuid),
    );
    const counted = await countedCreateVm("one");
    if (counted.answer.error) throw new Error(`create_vm: ${counted.answer.error.message}`);
    cpu.push(r.cpuSeconds, counted.cpuSeconds);
    requests.push(counted.requests.length);
    const byKind = new Map<string, number>();
    for (const q of counted.requests) byKind.set(q, (byKind.get(q) ?? 0) + 1);
    kinds = [...byKind].map(([k, n]) => `${n}× ${k}`).join(", ");
    await undeployAll(
      rest,
      one.map((n) => n.uuid),
    );
  }
  const overhead = median(ours) - median(deploys);
  return [
    {
      figure: `create_vm overhead over Ironic's deploy (median of ${runs})${shapeLabel}`,
      ours: `${s(overhead)} (create_vm ${s(median(ours))} incl. process start)`,
      baseline: `${s(median(deploys))} Ironic deploy alone`,
      goal: "≤ 1.0 s",
      met: overhead <= 1000,
    },
    {
      figure: `Ironic requests per create_vm, polls included (max of ${runs})${shapeLabel}`,
      ours: `${Math.max(...requests)}`,
      baseline: kinds,
      goal: "≤ 12",
      met: Math.max(...requests) <= 12,
    },
    {
      figure: `CPU seconds per create_vm process (median of ${cpu.length})${shapeLabel}`,
      ours: `${median(cpu).toFixed(3)} s`,
      baseline: `${(median(ours) / 1000).toFixed(2)} s wall`,
      goal: "≤ 0.15 s",
      met: median(cpu) <= 0.15,
    },
  ];
}

/** 2. `count` processes on `count` nodes vs Ironic alone deploying the same nodes at once (200 ms polls). */
async function parallelFigure({ rest, createVm, spread, shapeLabel }: Env, count: number): Promise<BenchRow> {
  const pool = await createNodes(rest, `par${count}`, count, spread({ resource_class: `par${count}` }));
  const floorStart = performance.now();
  await Promise.all(pool.map((n) => ironicDeploy(rest, n.uuid, 200)));
  const floor = performance.now() - floorStart;
  await undeployAll(
    rest,
    pool.map((n) => n.uuid),
  );
  const started = performance.now();
  const answers = await Promise.all(pool.map(() => createVm(`par${count}`)));
  const wall = performance.now() - started;
  const nodes = new Set(answers.filter((a) => !a.answer.error).map((a) => (a.answer.result as [string])[0]));
  const cpu = answers.reduce((sum, a) => sum + a.cpuSeconds, 0);
  await undeployAll(
    rest,
    pool.map((n) => n.uuid),
  );
  const ratio = wall / floor;
  return {
    figure: `${count} parallel create_vm on ${count} nodes (wall)${shapeLabel}`,
    ours: `${s(wall)}, ${nodes.size} VMs, ${cpu.toFixed(1)} CPU s in all`,
    baseline: `${s(floor)} Ironic alone deploying the same ${count} at once`,
    ratio,
    goal: "≤ 1.3×",
    met: ratio <= 1.3 && nodes.size === count,
  };
}

/** 3. 30 processes on 10 nodes: 10 VMs, 20 typed errors, nothing left claimed. */
async function thirtyOnTenFigure({ rest, createVm, spread, shapeLabel }: Env): Promise<BenchRow> {
  const ten = await createNodes(rest, "ten", 10, spread({ resource_class: "ten" }));
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: 30 }, () => createVm("ten")));
  const wall = performance.now() - started;
  const vms = answers.filter((a) => !a.answer.error).map((a) => (a.answer.result as [string])[0]!);
  const typed = answers.filter((a) => a.answer.error?.type === "Bosh::Clouds::VMCreationFailed").length;
  const leaked = claimedWithoutVm(
    (await rest.nodes()).filter((n) => n.name?.startsWith("ten-")),
    vms,
  ).length;
  await undeployAll(
    rest,
    ten.map((n) => n.uuid),
  );
  return {
    figure: `30 parallel create_vm on 10 nodes${shapeLabel}`,
    ours: `${vms.length} ok, ${typed} VMCreationFailed, ${leaked} leaked, ${s(wall)}`,
    baseline: "10 nodes",
    goal: "10 ok, 20 typed errors, 0 leaked",
    met: vms.length === 10 && new Set(vms).size === 10 && typed === 20 && leaked === 0,
  };
}

/** 4. Selection (negotiation, filtered list, filters, ranking) among poolSize nodes vs one bare filtered list. */
/** Selection as create_vm does it; with `spread`, also the held-nodes list and the per-rack counts. */
async function selectionFigure({ ironicUrl, config }: Env, poolSize: number, spread: boolean): Promise<BenchRow> {
  const parsed = Config.parse(config);
  const log = pino({ level: "silent" });
  const props = parseVmCloudProperties({ ironic_properties: { cpus: 24, memory_mb: 65536, cpu_arch: "x86_64" } });
  const sel: number[] = [];
  const list: number[] = [];
  let requests = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await (
      await fetch(`${ironicUrl}/v1/nodes?provision_state=available&maintenance=false&fields=uuid,properties`, {
        headers: { "X-OpenStack-Ironic-API-Version": "1.82" },
      })
    ).json();
    list.push(performance.now() - t0);
    const t1 = performance.now();
    const client = await connectIronic(parsed, log);
    const plain = selectionRequest(props, randomUUID(), []);
    const path = parseDomainPath("properties.rack")!;
    const req = spread ? { ...plain, spread: { group: "bench-web", path, required: false } } : plain;
    // one pass of the pool's own selection: the listing and the plan, as create_vm runs it
    const { ranked } = await pass({ ironic: client, config: parsed, now: () => new Date() }, { req });
    sel.push(performance.now() - t1);
    requests = client.requestCount;
    if (ranked.length === 0) throw new Error("selection found no node");
  }
  const ratio = median(sel) / median(list);
  return {
    figure: `selection among ${poolSize} nodes${spread ? " with failure-domain spread (20 racks)" : ""} (median of 5)`,
    ours: `${requests} requests, ${s(median(sel))}`,
    baseline: `${s(median(list))} one filtered list call (fields=uuid,properties)`,
    ratio,
    goal: "≤ 3 requests and ≤ 1.5×",
    met: requests <= 3 && ratio <= 1.5,
  };
}

/** `count` available nodes with assorted sizes, created directly in `available` (API ≤ 1.10 skips enroll). */
async function createPool(rest: IronicRest, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const res = await fetch(`${rest.url}/v1/nodes`, {
        method: "POST",
        headers: { "X-OpenStack-Ironic-API-Version": "1.10", "Content-Type": "application/json" },
        body: JSON.stringify({
          name: `pool-${i}`,
          driver: "fake-hardware",
          properties: {
            cpus: String(8 * (1 + (i % 8))),
            memory_mb: 32768 * (1 + (i % 4)),
            local_gb: 100 * (1 + (i % 5)),
            cpu_arch: "x86_64",
            rack: `r${i % 20}`,
          },
        }),
      });
      if (res.status !== 201) throw new Error(`creating pool node: HTTP ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { formatTable } = await import("./table.ts");
  const only = process.argv.filter((a) => a.startsWith("--only=")).flatMap((a) => a.slice(7).split(",")) as NonNullable<
    BenchVmOptions["only"]
  >;
  console.log(formatTable(await benchVm(only.length > 0 ? { only } : {})));
}
