// A throw-away MariaDB (Debian 12's 10.11) for Ironic's distributed shape: its own datadir under the
// caller's state dir, TCP on 127.0.0.1 and a socket there, no grant tables beyond an empty-password root,
// no binary log. Started unattended, stopped with the Ironic processes; fails loudly with its error log.
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { type DetachedProcess, sleep, spawnDetached, tailFile } from "./detached-process.ts";
import { LOOPBACK, findFreePort } from "./free-port.ts";

export const MARIADBD = "/usr/sbin/mariadbd";
const INSTALL_DB = "/usr/bin/mariadb-install-db";
const CLIENT = "/usr/bin/mariadb";

export interface Mariadb {
  /** SQLAlchemy URL of the `ironic` database */
  readonly connection: string;
  /** its socket, for the mariadb client */
  readonly socket: string;
  readonly process: DetachedProcess;
  stop(): Promise<void>;
}

export async function startMariadb(stateDir: string, opts: { killOnExit?: boolean } = {}): Promise<Mariadb> {
  const dir = join(stateDir, "mariadb");
  const data = join(dir, "data");
  const socket = join(dir, "mysqld.sock");
  const errorLog = join(dir, "error.log");
  mkdirSync(dir, { recursive: true });
  const run = promisify(execFile);
  const user = (await run("id", ["-un"])).stdout.trim();
  // mariadbd refuses to run as root unless told to: the harness runs as whoever runs the tests
  await run(INSTALL_DB, [
    "--no-defaults",
    `--datadir=${data}`,
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    `--user=${user}`,
  ]).catch((e: Error & { stderr?: string }) => {
    throw new Error(`startMariadb: mariadb-install-db failed: ${e.message}\n${e.stderr ?? ""}`);
  });
  const port = await findFreePort(1);
  const proc = spawnDetached(
    MARIADBD,
    [
      "--no-defaults",
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--port=${port}`,
      `--bind-address=${LOOPBACK}`,
      `--user=${user}`,
      `--pid-file=${join(dir, "mysqld.pid")}`,
      `--log-error=${errorLog}`,
      "--skip-log-bin",
      "--innodb-buffer-pool-size=64M",
      // Ironic's many short connections from four processes
      "--max-connections=500",
    ],
    { cwd: dir, outFile: join(dir, "stdout.log"), killOnExit: opts.killOnExit },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await run(CLIENT, ["--no-defaults", "-S", socket, "-uroot", "-e", "SELECT 1"]).then(
      () => true,
      () => false,
    );
    if (ok) break;
    const status = proc.exitStatus();
    if (status !== undefined || Date.now() > deadline) {
      await proc.stop(5_000);
      throw new Error(
        `startMariadb: MariaDB ${status ?? "not ready within 60 s"}\n--- ${errorLog} ---\n${tailFile(errorLog, 30)}`,
      );
    }
    await sleep(100);
  }
  await run(CLIENT, ["--no-defaults", "-S", socket, "-uroot", "-e", "CREATE DATABASE ironic CHARACTER SET utf8mb3"]);
  return {
    // through the socket: an Ironic in a network namespace (startIronic's netns) reaches it too
    connection: `mysql+pymysql://root@localhost/ironic?unix_socket=${encodeURIComponent(socket)}&charset=utf8`,
    socket,
    process: proc,
    stop: () => proc.stop(10_000),
  };
}
