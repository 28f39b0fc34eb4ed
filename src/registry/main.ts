// Entry point of the registry server (bundled as dist/registry.js, run by the release's registry job):
//   node registry.js --config /var/vcap/jobs/registry/config/registry.json
// Logs JSON lines to stderr. SIGTERM/SIGINT: stop accepting, let in-flight requests finish for
// shutdown_timeout seconds, then exit 0. A bad configuration exits 1 with one line saying why.
import type { Server } from "node:http";
import pino from "pino";
import { SecretScrubber } from "../log/secrets.ts";
import { storeOptions } from "../webdav/options.ts";
import { WebdavStore } from "../webdav/store.ts";
import { loadRegistryConfig, readTls, type RegistryConfig } from "./config.ts";
import { RegistryRecords } from "./records.ts";
import { createRegistryServer } from "./server.ts";

export const CONFIG_ENV = "BOSH_IRONIC_REGISTRY_CONFIG";

function configPath(argv: readonly string[]): string | undefined {
  const i = argv.indexOf("--config");
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith("--config="))?.slice("--config=".length) ?? process.env[CONFIG_ENV];
}

function createLogger(config: RegistryConfig): pino.Logger {
  const scrubber = new SecretScrubber();
  scrubber.add([config.auth.password, config.store.password]);
  return pino(
    {
      level: config.log_level,
      base: { service: "bosh-registry", pid: process.pid },
      redact: {
        paths: ["password", "*.password", "headers.authorization", "*.headers.authorization"],
        censor: "[REDACTED]",
      },
    },
    { write: (line: string) => void process.stderr.write(scrubber.scrub(line)) },
  );
}

function shutdown(server: Server, store: WebdavStore, log: pino.Logger, timeoutS: number, signal: string): void {
  log.info({ signal }, "shutting down");
  const force = setTimeout(() => {
    log.warn({ timeout_s: timeoutS }, "closing connections still open after the shutdown timeout");
    server.closeAllConnections();
  }, timeoutS * 1000);
  force.unref();
  server.close(() => {
    store.close();
    log.info("stopped");
    process.exit(0);
  });
  server.closeIdleConnections();
}

export async function main(argv: string[]): Promise<void> {
  const path = configPath(argv);
  if (!path) throw new Error(`no configuration: pass --config <path> or set ${CONFIG_ENV}`);
  const config = loadRegistryConfig(path);
  const tls = readTls(config.tls);
  const log = createLogger(config);
  const store = new WebdavStore(storeOptions(config.store, log));
  const server = createRegistryServer({
    records: new RegistryRecords(store, config.prefix),
    auth: {
      username: config.auth.username,
      password: config.auth.password,
      readRequiresAuth: config.auth.read_requires_auth,
    },
    log,
    tls,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.listen.port, config.listen.host, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.listen.port;
  log.info(
    { host: config.listen.host, port, tls: Boolean(tls), store: store.url, prefix: config.prefix },
    `registry listening on ${config.listen.host}:${port}`,
  );
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => shutdown(server, store, log, config.shutdown_timeout, signal));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(
    `${JSON.stringify({
      level: 60,
      msg: "registry failed to start",
      error: err instanceof Error ? err.message : String(err),
    })}\n`,
  );
  process.exit(1);
});
