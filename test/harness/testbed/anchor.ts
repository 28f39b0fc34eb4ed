// Starts anchor.sh: the bed's private mount namespace inside its network namespace, the bed's init (PID 1
// of its own PID namespace, which reaps the QEMU processes libvirt daemonizes), and the reaper that ends
// every process of the bed when stop() asks or when this Node process dies in any way (the anchor waits
// on a pipe from us; the kernel closes it when we are gone, even after SIGKILL).
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tailFile } from "../detached-process.ts";
import { waitFor } from "./run.ts";

const SCRIPT = fileURLToPath(new URL("./anchor.sh", import.meta.url));

export interface Anchor {
  readonly pid: number;
  /** the bed's init: the daemons enter its namespaces (mount, network, PID) */
  readonly init: number;
  readonly logFile: string;
  /** `nsenter` into the bed (mount, network and PID namespaces of its init) before `cmd`; nsenter forks
   * for the PID namespace and waits, so the pid spawned is nsenter's and `cmd` is its child (one group) */
  enter(cmd: string, args: readonly string[]): [string, string[]];
  /** set once the anchor has exited */
  exitStatus(): string | undefined;
  /** asks the anchor to end the bed (processes, namespace it made, dir unless kept); resolves when done */
  stop(timeoutMs?: number): Promise<void>;
}

export async function startAnchor(o: {
  bedDir: string;
  netns: string;
  ownNetns: boolean;
  keep: boolean;
  logFile: string;
}): Promise<Anchor> {
  const fd = openSync(o.logFile, "a", 0o644);
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(
      "ip",
      [
        "netns",
        "exec",
        o.netns,
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "bash",
        SCRIPT,
        o.bedDir,
        o.netns,
        o.ownNetns ? "1" : "0",
        o.keep ? "1" : "0",
      ],
      // its own process group: a Ctrl-C to the test run must not kill the reaper before it reaped
      { cwd: "/", detached: true, stdio: ["pipe", fd, fd] },
    );
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`testbed: could not start ${SCRIPT} (see ${o.logFile})`);
  let status: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("error", (e) => {
      status ??= `spawn error: ${e.message}`;
      resolve();
    });
    child.once("exit", (code, signal) => {
      status = signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve();
    });
  });
  // neither the anchor nor its pipe keeps the test's event loop alive
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  child.stdin?.on("error", () => undefined); // EPIPE once the anchor is gone

  const init = await waitFor(
    `testbed: the anchor (pid ${pid}) did not get ready`,
    () => {
      const m = /^anchor ready init=(\d+)$/m.exec(tailFile(o.logFile, 50));
      return m ? Number(m[1]) : undefined;
    },
    {
      timeoutMs: 15_000,
      everyMs: 50,
      failFast: () => (status === undefined ? undefined : `it exited (${status}):\n${tailFile(o.logFile, 20)}`),
    },
  );

  let stopping: Promise<void> | undefined;
  return {
    pid,
    init,
    logFile: o.logFile,
    enter: (cmd, args) => ["nsenter", ["-t", String(init), "-m", "-n", "-p", "--", cmd, ...args]],
    exitStatus: () => status,
    stop(timeoutMs = 60_000) {
      stopping ??= (async () => {
        if (status === undefined) child.stdin?.end("stop\n");
        let timer: NodeJS.Timeout | undefined;
        const done = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
        ]);
        clearTimeout(timer);
        if (!done) {
          // the anchor itself hangs: its TERM trap runs the same cleanup
          process.kill(pid, "SIGTERM");
          await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
          if (status === undefined)
            throw new Error(`testbed: the anchor (pid ${pid}) did not finish its cleanup:\n${tailFile(o.logFile, 20)}`);
        }
      })();
      return stopping;
    },
  };
}
