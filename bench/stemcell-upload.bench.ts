// create_stemcell of a 2 GiB image through the CPI (one process per call, as the director runs it)
// against two baselines to the same nginx WebDAV, in rotating order, with `sync` before each run so one
// run's dirty pages do not slow the next: the shell pipeline doing the same work (unpack, sha256,
// upload: `tar -xzOf | tee >(sha256sum) | curl -T -`) and `curl -T` of the unpacked root.img (the
// disk and network limit, with no work at all). Peak RSS is the CPI process's
// VmHWM (/proc/<pid>/status, sampled until it exits). The CPI is configured with a real Ironic 21.4, as
// in a deployment: it asks Ironic whether md5 is needed (no: sha256 alone). Needs dist/cpi.js.
//   node --import tsx bench/stemcell-upload.bench.ts [--runs=3] [--size-mib=2048]
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startIronic } from "../test/harness/ironic.ts";
import { startWebdav } from "../test/harness/webdav.ts";
import { type BenchRow, median } from "./table.ts";

const BUNDLE = fileURLToPath(new URL("../dist/cpi.js", import.meta.url));
const MiB = 1024 * 1024;

export interface StemcellUploadOptions {
  /** Timed runs of each side (≥ 3). */
  runs?: number;
  /** Size of root.img (default 2048 MiB). */
  sizeMiB?: number;
  log?: (line: string) => void;
}

/**
 * A zero-heavy disk like a real stemcell's root.img: mostly zeros (never written, so sparse), with a
 * 2 MiB block of random data every 16 MiB (1/8 of the image), so gunzip has real work to do.
 */
function makeRootImage(path: string, size: number): void {
  const fd = openSync(path, "w");
  try {
    const block = randomBytes(2 * MiB);
    for (let off = 0; off + block.length <= size; off += 16 * MiB) writeSync(fd, block, 0, block.length, off);
    writeSync(fd, Buffer.from([0x55, 0xaa]), 0, 2, 510);
    writeSync(fd, Buffer.alloc(1), 0, 1, size - 1); // the file's full length
  } finally {
    closeSync(fd);
  }
}

function sh(script: string): void {
  const r = spawnSync("sh", ["-c", script], { stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr.toString().trim()}`);
}

/** Wall time of a process, and its peak resident memory (VmHWM, sampled every 20 ms). */
function timed(
  cmd: string,
  args: string[],
  input?: string,
): Promise<{ seconds: number; hwmBytes: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "ignore"] });
    let hwm = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) hwm = Math.max(hwm, Number(m[1]) * 1024);
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 20);
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${stdout.slice(0, 300)}`));
      else resolve({ seconds, hwmBytes: hwm, stdout });
    });
    child.stdin.end(input ?? "");
  });
}

export async function benchStemcellUpload(opts: StemcellUploadOptions = {}): Promise<BenchRow[]> {
  const runs = Math.max(3, opts.runs ?? 3);
  const size = (opts.sizeMiB ?? 2048) * MiB;
  const log = opts.log ?? ((l: string) => void process.stderr.write(`${l}\n`));
  if (!existsSync(BUNDLE)) throw new Error("dist/cpi.js is missing: run `npm run build` first");
  const work = mkdtempSync(join(tmpdir(), "bench-stemcell-"));
  const dav = await startWebdav({ username: "cpi" });
  const ironic = await startIronic().catch(async (err: unknown) => {
    await dav.stop();
    throw err;
  });
  try {
    const dir = join(work, "image");
    sh(`mkdir -p '${dir}'`);
    const root = join(dir, "root.img");
    log(`stemcell bench: writing a ${size / MiB} MiB root.img and its gzip -1 tarball…`);
    makeRootImage(root, size);
    const image = join(work, "image.tgz");
    sh(`tar -C '${dir}' -cf - root.img | gzip -1 > '${image}'`);
    log(`stemcell bench: image ${(statSync(image).size / MiB).toFixed(0)} MiB compressed`);
    const config = join(work, "cpi.json");
    writeFileSync(
      config,
      JSON.stringify({
        ironic: { url: ironic.url },
        stemcell_store: { url: `${dav.url}stemcells/`, username: dav.username, password: dav.password },
        agent: { mbus: "nats://127.0.0.1:4222" },
      }),
    );
    const request = (method: string, args: unknown[]) =>
      JSON.stringify({ method, arguments: args, context: { director_uuid: "bench" }, api_version: 2 });
    const cpi = (method: string, args: unknown[]) =>
      timed(process.execPath, [BUNDLE, "--config", config], request(method, args));

    const ours: number[] = [];
    const curl: number[] = [];
    const pipe: number[] = [];
    let peak = 0;
    let hashes = "";
    for (let i = 0; i < runs; i++) {
      // rotate which side goes first, so none always meets a warmer (or fuller) disk
      const sides = ["curl", "pipe", "ours"];
      for (const side of [...sides.slice(i % 3), ...sides.slice(0, i % 3)]) {
        sh("sync");
        if (side === "pipe") {
          const url = `${dav.url}pipe/${i}/root.img`;
          const script = `set -o pipefail; tar -xzOf "$1" root.img | tee >(sha256sum >/dev/null) | curl -sS -f -o /dev/null -u "$2" -T - "$3"`;
          const t = await timed("bash", ["-c", script, "pipe", image, `${dav.username}:${dav.password}`, url]);
          pipe.push(t.seconds);
          sh(`curl -sS -f -o /dev/null -u '${dav.username}:${dav.password}' -X DELETE '${dav.url}pipe/${i}/'`);
          log(`  shell pipeline    ${t.seconds.toFixed(2)} s  ${(size / MiB / t.seconds).toFixed(0)} MiB/s`);
        } else if (side === "curl") {
          const url = `${dav.url}curl/${i}/root.img`;
          const t = await timed("curl", [
            "-sS",
            "-f",
            "-o",
            "/dev/null",
            "-u",
            `${dav.username}:${dav.password}`,
            "-T",
            root,
            url,
          ]);
          curl.push(t.seconds);
          sh(`curl -sS -f -o /dev/null -u '${dav.username}:${dav.password}' -X DELETE '${dav.url}curl/${i}/'`);
          log(`  curl -T           ${t.seconds.toFixed(2)} s  ${(size / MiB / t.seconds).toFixed(0)} MiB/s`);
        } else {
          const t = await cpi("create_stemcell", [image, { name: "bench", version: "1", disk_format: "raw" }]);
          const answer = JSON.parse(t.stdout) as { result: string | null; error: { message: string } | null };
          if (!answer.result) throw new Error(`create_stemcell failed: ${answer.error?.message}`);
          const record = JSON.parse(
            readFileSync(join(dav.dataDir, "stemcells", answer.result, "stemcell.json"), "utf8"),
          ) as { checksums: object };
          hashes = Object.keys(record.checksums).join("+");
          ours.push(t.seconds);
          peak = Math.max(peak, t.hwmBytes);
          await cpi("delete_stemcell", [answer.result]);
          log(
            `  create_stemcell   ${t.seconds.toFixed(2)} s  ${(size / MiB / t.seconds).toFixed(0)} MiB/s  VmHWM ${(t.hwmBytes / MiB).toFixed(0)} MiB`,
          );
        }
      }
    }
    const oursRate = size / MiB / median(ours);
    const curlRate = size / MiB / median(curl);
    const ratio = oursRate / curlRate;
    const pipeRate = size / MiB / median(pipe);
    const gib = (size / 1024 / MiB).toFixed(size % (1024 * MiB) ? 2 : 0);
    return [
      {
        figure: `create_stemcell ${gib} GiB throughput (${hashes}, median of ${runs})`,
        ours: `${oursRate.toFixed(0)} MiB/s (${median(ours).toFixed(1)} s)`,
        baseline: `${curlRate.toFixed(0)} MiB/s curl -T (${median(curl).toFixed(1)} s)`,
        ratio,
        goal: "≥ 0.9×",
        met: ratio >= 0.9,
      },
      {
        figure: `create_stemcell ${gib} GiB against the same work in a shell pipeline (median of ${runs})`,
        ours: `${oursRate.toFixed(0)} MiB/s (${median(ours).toFixed(1)} s)`,
        baseline: `${pipeRate.toFixed(0)} MiB/s shell pipeline: tar -xzO, tee to sha256sum, curl -T - (${median(pipe).toFixed(1)} s)`,
        ratio: oursRate / pipeRate,
        goal: "≥ 1×",
        met: oursRate >= pipeRate,
      },
      {
        figure: `create_stemcell ${gib} GiB peak RSS (max of ${runs})`,
        ours: `${(peak / 1e6).toFixed(0)} MB`,
        baseline: "—",
        goal: "≤ 150 MB",
        met: peak <= 150e6,
      },
    ];
  } finally {
    await ironic.stop();
    await dav.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const { formatTable } = await import("./table.ts");
  const runs = arg("runs");
  const sizeMiB = arg("size-mib");
  console.log(
    formatTable(
      await benchStemcellUpload({
        ...(runs ? { runs: Number(runs) } : {}),
        ...(sizeMiB ? { sizeMiB: Number(sizeMiB) } : {}),
      }),
    ),
  );
}
