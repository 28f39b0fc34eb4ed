// Runs test/harness/install-system-deps.sh (the one install step: Ironic, nginx + DAV, ISO tools)
// when a binary the harness needs is missing. Unattended and idempotent; at most once per process.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const INSTALLER = fileURLToPath(new URL("./install-system-deps.sh", import.meta.url));

let running: Promise<void> | undefined;

function runInstaller(): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stderr.write(`[harness] system packages missing; running ${INSTALLER} (takes about a minute)\n`);
    const child = spawn("bash", [INSTALLER], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const keep = (b: Buffer) => {
      out = (out + b.toString()).slice(-20_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", (err) => reject(new Error(`cannot run ${INSTALLER}: ${err.message}`)));
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${INSTALLER} failed (${signal ?? `exit code ${code}`}):\n${out.split("\n").slice(-40).join("\n")}`,
          ),
        );
    });
  });
}

/** Makes sure every path in `required` exists, running the installer once if one is missing. */
export async function ensureSystemDeps(required: string[], what: string): Promise<void> {
  if (required.every((p) => existsSync(p))) return;
  running ??= runInstaller().finally(() => {
    running = undefined;
  });
  await running;
  const still = required.filter((p) => !existsSync(p));
  if (still.length > 0) throw new Error(`${what}: still missing after ${INSTALLER}: ${still.join(", ")}`);
}
