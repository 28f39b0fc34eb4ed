// `npm run bench`: every figure beside its baseline, measured in the same run; a table on stdout,
// the rows as JSON in bench/results/latest.json, and with --readme the table into README.md.
// Benchmarks never run inside `npm test`, and nothing here asserts a time.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { benchColdStart } from "./cold-start.bench.ts";
import { benchConfigDrive } from "./configdrive.bench.ts";
import { benchPollSchedule } from "./poll.bench.ts";
import { benchRealDeploy } from "./real-deploy.bench.ts";
import { benchStemcellUpload } from "./stemcell-upload.bench.ts";
import { type BenchRow, formatTable } from "./table.ts";
import { benchVm } from "./vm.bench.ts";

type Bench = { name: string; run: () => Promise<BenchRow[]>; askedBy?: string };

const BENCHES: Bench[] = [
  { name: "cold start", run: () => benchColdStart() },
  { name: "config drive", run: () => benchConfigDrive() },
  { name: "poll schedule", run: () => benchPollSchedule() },
  { name: "vm", run: () => benchVm() },
  // Ironic's production shape: MariaDB, ironic-api, two conductors (json-rpc); the same rows beside
  { name: "vm distributed", run: () => benchVm({ shape: "distributed", only: ["overhead", "parallel"] }) },
  // the oldest Ironic supported (Debian 12's 21.4) beside today's: the same create_vm figures
  { name: "vm debian", run: () => benchVm({ release: "debian", only: ["overhead", "parallel"] }) },
  { name: "stemcell", run: () => benchStemcellUpload() },
  // real deploys on emulated servers (root, the e2e test bed, ~15 min): with --real only
  { name: "real deploy", run: () => benchRealDeploy(), askedBy: "--real" },
];

const only = process.argv.filter((a) => a.startsWith("--only=")).map((a) => a.slice(7));
const rows: BenchRow[] = [];
for (const b of BENCHES) {
  if (only.length && !only.includes(b.name)) continue;
  if (b.askedBy && !process.argv.includes(b.askedBy) && !only.includes(b.name)) continue;
  process.stderr.write(`bench: ${b.name}…\n`);
  try {
    rows.push(...(await b.run()));
  } catch (e) {
    rows.push({
      figure: b.name,
      ours: "failed",
      baseline: (e as Error).message.slice(0, 120),
      goal: "runs",
      met: false,
    });
  }
}

const table = formatTable(rows);
console.log(table);
mkdirSync("bench/results", { recursive: true });
writeFileSync(
  "bench/results/latest.json",
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
);

if (process.argv.includes("--readme")) {
  const readme = readFileSync("README.md", "utf8");
  const start = "<!-- bench:start -->";
  const end = "<!-- bench:end -->";
  const block = `${start}\n${table}\n\n(measured ${new Date().toISOString().slice(0, 10)} with Node ${process.version} on the project's 2-core machine)\n${end}`;
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < 0) throw new Error("README.md has no bench markers");
  writeFileSync("README.md", readme.slice(0, i) + block + readme.slice(j + end.length));
}
// Unmet goals are reported in the table; only a benchmark that could not run fails the command.
if (rows.some((r) => r.ours === "failed")) process.exitCode = 1;
