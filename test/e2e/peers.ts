// The real BOSH tools the e2e tests drive the CPI and the agent with (BOSH_PEERS_BIN): `cpi-call` (bosh-cli's
// CPI client, what create-env runs), `agent-call` (bosh-cli's agent client over the HTTPS mbus), `bosh`
// (its vars store makes the mbus certificate as create-env does). A missing one fails loudly.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join, resolve } from "node:path";

export type Peer = "bosh" | "cpi-call" | "agent-call";

export function peer(name: Peer): string {
  const dir = process.env["BOSH_PEERS_BIN"];
  if (!dir) throw new Error("e2e: BOSH_PEERS_BIN is not set (the directory of bosh, cpi-call and agent-call)");
  const path = join(resolve(dir), name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`e2e: ${path} is not an executable (BOSH_PEERS_BIN=${dir})`);
  }
  return path;
}

export interface PeerRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a peer to its end (killed after timeoutMs: every wait of a test is bounded). */
export function runPeer(name: Peer, argv: string[], timeoutMs: number): Promise<PeerRun> {
  const t0 = performance.now();
  return new Promise((done, reject) => {
    const child = spawn(peer(name), argv);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const kill = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(kill);
      done({ code: code ?? -1, stdout, stderr, ms: Math.round(performance.now() - t0) });
    });
  });
}
