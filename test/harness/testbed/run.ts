// One bounded command of the test bed (ip, virsh, nsenter, qemu-img, sfdisk): its output, or an error
// naming the command with its output's tail.
import { execFile } from "node:child_process";

export interface RunOptions {
  /** default 60 s */
  timeoutMs?: number;
  /** stdin for the command */
  input?: string;
  env?: NodeJS.ProcessEnv;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly stdout: string,
    readonly stderr: string,
    why: string,
  ) {
    const tail = `${stdout}${stderr}`.trim().split("\n").slice(-20).join("\n");
    super(`${command}: ${why}${tail ? `\n${tail}` : ""}`);
  }
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const timeout = opts.timeoutMs ?? 60_000;
  const shown = [cmd, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024, encoding: "utf8", env: opts.env },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as Error & { code?: number | string; killed?: boolean; signal?: string };
        const why = e.killed
          ? `no answer within ${timeout / 1000} s`
          : typeof e.code === "number"
            ? `exit code ${e.code}`
            : e.message.split("\n")[0]!;
        reject(new CommandError(shown, stdout, stderr, why));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Polls `check` every `everyMs` until it returns a value (not undefined), at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs: number; everyMs?: number; failFast?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    const fatal = opts.failFast?.();
    if (fatal !== undefined) throw new Error(`${what}: ${fatal}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(opts.timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 200));
  }
}
