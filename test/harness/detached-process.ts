// A server process started in its own process group, stopped by its pid: SIGTERM to the group,
// SIGKILL after a grace period. Processes still running when this Node process exits are killed
// (SIGKILL) by an exit hook unless started with killOnExit=false, so a crashed test run does not
// leave servers behind.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";

export interface DetachedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves (with the exit code or signal) when the process has exited. */
  readonly exited: Promise<string>;
  /** Set once the process has exited. */
  exitStatus(): string | undefined;
  /** TERM to the process group, KILL after graceMs; resolves when the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Map<number, { cleanup?: () => void }>();
let hookInstalled = false;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on("exit", () => {
    for (const [pid, { cleanup }] of live) {
      killGroup(pid, "SIGKILL");
      try {
        cleanup?.();
      } catch {
        /* best effort at exit */
      }
    }
  });
}

// spawn(detached) makes the child a session and process-group leader, so -pid reaches it and its children.
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* group already gone */
  }
}

export interface SpawnDetachedOptions {
  cwd: string;
  /** stdout and stderr of the process are appended to this file */
  outFile: string;
  env?: NodeJS.ProcessEnv;
  /** kill the process (and run cleanup) when this Node process exits; default true */
  killOnExit?: boolean;
  /** run after the exit hook killed the process (e.g. remove its temp dir) */
  cleanupOnExit?: () => void;
}

export function spawnDetached(command: string, args: string[], opts: SpawnDetachedOptions): DetachedProcess {
  const fd = openSync(opts.outFile, "a", 0o644);
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ["ignore", fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${command} (see ${opts.outFile})`);
  let status: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once("error", (err) => {
      status ??= `spawn error: ${err.message}`;
      resolve(status);
    });
    child.once("exit", (code, signal) => {
      status = signal ? `killed by ${signal}` : `exit code ${code}`;
      live.delete(pid);
      resolve(status);
    });
  });
  // the harness owns the process; do not keep the event loop alive just because it runs
  child.unref();
  if (opts.killOnExit !== false) {
    live.set(pid, { cleanup: opts.cleanupOnExit });
    installExitHook();
  }
  let stopping: Promise<void> | undefined;
  return {
    pid,
    child,
    exited,
    exitStatus: () => status,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (status !== undefined) return;
        killGroup(pid, "SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          exited.then(() => false),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          killGroup(pid, "SIGKILL");
          await exited;
        }
        // also end stray members of the group (e.g. nginx workers) if the leader exited first
        killGroup(pid, "SIGKILL");
        live.delete(pid);
      })();
      return stopping;
    },
  };
}

/** Last n lines of a file ("" when it does not exist). */
export function tailFile(path: string, n: number): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return "";
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.slice(-n).join("\n");
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true, maxRetries: 3 });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
