// vitest globalSetup (unit, exec and integration projects): opens this run's log capture directory and,
// when the run ends, searches everything captured (log-capture.ts) for every secret the tests used
// (secrets.ts). It prints the figures; any hit makes the run fail (exit code 1) and names the secret's
// label and where it was found, never the value. Registered in several projects, it acts once per run.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOGS_ROOT, LOG_DIR_ENV } from "./log-capture.ts";
import { allSecrets, findSecrets, type SecretHit } from "./secrets.ts";

/** Other runs (other engineers' concurrent ones too) are removed only once they are this old. */
const MAX_RUN_AGE_MS = 24 * 3600_000;

export interface ScanSummary {
  files: number;
  sources: number;
  lines: number;
  bytes: number;
  secrets: number;
  hits: SecretHit[];
}

export function scanRunDir(dir: string): ScanSummary {
  const secrets = allSecrets(dir);
  const summary: ScanSummary = { files: 0, sources: 0, lines: 0, bytes: 0, secrets: secrets.size, hits: [] };
  if (!existsSync(dir)) return summary;
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith(".log"))
    .sort()) {
    const text = readFileSync(join(dir, name), "utf8");
    summary.files++;
    summary.bytes += Buffer.byteLength(text);
    for (const line of text.split("\n")) {
      if (line.startsWith("### ")) summary.sources++;
      else if (line) summary.lines++;
    }
    summary.hits.push(...findSecrets(text, secrets, name));
  }
  return summary;
}

function pruneOldRuns(): void {
  if (!existsSync(LOGS_ROOT)) return;
  for (const d of readdirSync(LOGS_ROOT).filter((n) => n.startsWith("run-"))) {
    const path = join(LOGS_ROOT, d);
    if (Date.now() - statSync(path).mtimeMs > MAX_RUN_AGE_MS) rmSync(path, { recursive: true, force: true });
  }
}

export default function setup(): () => void {
  if (process.env[LOG_DIR_ENV]) return () => {}; // another project of this run owns the scan
  pruneOldRuns();
  const dir = join(LOGS_ROOT, `run-${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  process.env[LOG_DIR_ENV] = dir; // workers are forked after global setup and inherit it
  return () => {
    const s = scanRunDir(dir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "scan.json"), `${JSON.stringify(s, null, 2)}\n`);
    const verdict = s.hits.length === 0 ? "0 hits" : `${s.hits.length} HITS`;
    process.stdout.write(
      `\nsecret scan: ${s.lines} log lines from ${s.sources} captured outputs (${(s.bytes / 1e6).toFixed(1)} MB) searched for ${s.secrets} secret values: ${verdict}\n`,
    );
    if (s.hits.length > 0) {
      for (const h of s.hits.slice(0, 50)) process.stdout.write(`  secret '${h.label}' in ${join(dir, h.where)}\n`);
      process.exitCode = 1;
    }
  };
}
