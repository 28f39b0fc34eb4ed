// Runs the bundled CPI the way the director does: one process per call, request on stdin.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { captureLog } from "./log-capture.ts";

export const CPI_BUNDLE = fileURLToPath(new URL("../../dist/cpi.js", import.meta.url));

export interface CpiRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON document (throws if it is not exactly that). */
  response: { result: unknown; error: { type: string; message: string; ok_to_retry: boolean } | null; log: string };
}

export interface CpiRunOptions {
  configPath?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  bundle?: string;
  node?: string;
  /** SIGKILL the process this many ms after spawn (crash tests; a bound on a hung call). */
  killAfterMs?: number;
  /** SIGKILL the process when this settles (crash tests that kill at a chosen request). */
  killWhen?: Promise<unknown>;
}

export function runCpi(request: unknown, opts: CpiRunOptions = {}): Promise<CpiRun> {
  const input = typeof request === "string" || Buffer.isBuffer(request) ? request : JSON.stringify(request);
  const args = [
    opts.bundle ?? CPI_BUNDLE,
    ...(opts.configPath ? ["--config", opts.configPath] : []),
    ...(opts.args ?? []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(opts.node ?? process.execPath, args, {
      cwd: opts.cwd,
      env: opts.env ?? { PATH: process.env.PATH },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    const killer =
      opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), opts.killAfterMs);
    void opts.killWhen?.finally(() => child.exitCode === null && child.kill("SIGKILL"));
    child.stdin.on("error", () => {}); // a CPI that stops reading early (size limit) closes the pipe
    child.on("close", (code, signal) => {
      if (killer) clearTimeout(killer);
      const stdout = Buffer.concat(out).toString("utf8");
      const run = { code, signal, stdout, stderr: Buffer.concat(err).toString("utf8") } as CpiRun;
      // for the suite-wide secret scan (log-scan.ts): everything the process printed
      const what = `cpi ${(request as { method?: unknown } | null)?.method ?? opts.args?.[0] ?? "raw"}`;
      captureLog(`${what} stderr`, run.stderr);
      captureLog(`${what} stdout`, stdout);
      Object.defineProperty(run, "response", { get: () => JSON.parse(stdout), enumerable: true });
      resolve(run);
    });
    child.stdin.end(input);
  });
}
