// Config-drive build (ISO + gzip + base64) for a typical drive, in process, against genisoimage +
// gzip + base64 of the same tree (what openstacksdk and the 2016 CPI ran) as the baseline.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Config } from "../src/config/schema.ts";
import { prepareVmConfigDrive } from "../src/services/vm/config-drive.ts";
import { type BenchRow, median, ms } from "./table.ts";

const config = Config.parse({
  ironic: { url: "http://127.0.0.1:9" },
  stemcell_store: { url: "http://127.0.0.1:9/" },
  agent: { mbus: "nats://10.0.0.6:4222", ntp: ["10.0.0.2"] },
  config_drive: { public_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench operator"] },
  // the agent needs an ephemeral disk; a second local disk, as most servers have
  disks: { ephemeral_device: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2" },
});

const input = {
  config,
  vmCid: "6f1b9c2e-8d3a-4b7e-9f10-2a4c6e8b0d12",
  agentId: "0f3a5c7e-1b2d-4e6f-8a9b-c0d1e2f3a4b5",
  node: { uuid: "6f1b9c2e-8d3a-4b7e-9f10-2a4c6e8b0d12", name: "rack1-u07" },
  ports: [
    { address: "52:54:00:aa:00:01", pxe_enabled: true },
    { address: "52:54:00:aa:00:02", pxe_enabled: false },
    { address: "52:54:00:aa:00:03", pxe_enabled: false },
  ],
  networks: {
    default: {
      type: "manual",
      ip: "10.0.1.21",
      netmask: "255.255.255.0",
      gateway: "10.0.1.1",
      dns: ["10.0.0.2"],
      default: ["dns", "gateway"],
      cloud_properties: {},
    },
  },
  vmCloudProperties: {},
  env: {
    bosh: {
      password: "$6$bench$hash",
      group: "d-dep-web",
      groups: ["d", "dep", "web"],
      mbus: {
        cert: {
          ca: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
          certificate: "x".repeat(1200),
          private_key: "y".repeat(1700),
        },
      },
    },
  },
  stemcellApiVersion: 3,
  date: new Date("2026-11-21T00:00:00Z"),
};

export async function benchConfigDrive(opts: { runs?: number } = {}): Promise<BenchRow[]> {
  const runs = opts.runs ?? 200;
  for (let i = 0; i < 20; i++) prepareVmConfigDrive(input as never); // warm up the JIT, as a long benchmark would
  const ours: number[] = [];
  let files: Array<{ path: string; data: Uint8Array }> = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    files = prepareVmConfigDrive(input as never).files;
    ours.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const dir = mkdtempSync(join(tmpdir(), "bench-drive-"));
  const tree = join(dir, "tree");
  for (const f of files) {
    mkdirSync(dirname(join(tree, f.path)), { recursive: true });
    writeFileSync(join(tree, f.path), f.data);
  }
  const base: number[] = [];
  const baseRuns = Math.min(runs, 30);
  for (let i = 0; i < baseRuns; i++) {
    const t = process.hrtime.bigint();
    execFileSync("sh", [
      "-c",
      `genisoimage -quiet -o - -ldots -allow-lowercase -allow-multidot -l -J -r -V config-2 '${tree}' 2>/dev/null | gzip -9 | base64 -w0 >/dev/null`,
    ]);
    base.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const m = median(ours);
  return [
    {
      figure: `config-drive build, ISO+gzip+base64 (median of ${runs})`,
      ours: ms(m),
      baseline: `${ms(median(base))} genisoimage|gzip|base64`,
      ratio: m / median(base),
      goal: "≤ 5 ms",
      met: m <= 5,
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { formatTable } = await import("./table.ts");
  console.log(formatTable(await benchConfigDrive()));
}
