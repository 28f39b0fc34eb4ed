// nginx terminating TLS on 127.0.0.1 in front of a plain-HTTP upstream (the harness WebDAV), so the
// CPI's WebDAV client meets a real TLS server. Bodies stream both ways (proxy_request_buffering off).
// Runs as a detached process group stopped by pid, like the harness servers; fails loudly.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeDir, sleep, spawnDetached, tailFile } from "../harness/detached-process.ts";
import { LOOPBACK, findFreePort } from "../harness/free-port.ts";

const NGINX_BIN = "/usr/sbin/nginx";

export interface TlsNginx {
  /** https://127.0.0.1:PORT/ */
  url: string;
  stop(): Promise<void>;
}

export async function startTlsNginx(opts: {
  upstream: string;
  certFile: string;
  keyFile: string;
  parent: string;
}): Promise<TlsNginx> {
  const prefix = mkdtempSync(join(opts.parent, "tls-nginx-"));
  chmodSync(prefix, 0o755);
  for (const d of ["logs", "tmp"]) {
    mkdirSync(join(prefix, d), { recursive: true });
    chmodSync(join(prefix, d), 0o777); // workers run as nobody when started by root
  }
  const port = await findFreePort(1);
  const up = new URL(opts.upstream);
  const conf = `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 128; }
http {
    access_log off;
    client_body_temp_path ${prefix}/tmp/client; proxy_temp_path ${prefix}/tmp/proxy;
    fastcgi_temp_path ${prefix}/tmp/fastcgi; uwsgi_temp_path ${prefix}/tmp/uwsgi; scgi_temp_path ${prefix}/tmp/scgi;
    server {
        listen ${LOOPBACK}:${port} ssl;
        ssl_certificate ${opts.certFile};
        ssl_certificate_key ${opts.keyFile};
        client_max_body_size 0;
        location / {
            proxy_pass http://${up.host};
            proxy_http_version 1.1;
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_set_header Host ${up.host};
            proxy_set_header Connection "";
        }
    }
}
`;
  const confFile = join(prefix, "nginx.conf");
  writeFileSync(confFile, conf);
  const args = ["-p", `${prefix}/`, "-c", confFile, "-e", `${prefix}/logs/error.log`, "-g", "daemon off;"];
  const check = spawnSync(NGINX_BIN, [...args.slice(0, -2), "-t", "-q"], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`startTlsNginx: nginx -t failed:\n${check.stderr}`);
  const proc = spawnDetached(NGINX_BIN, args, {
    cwd: prefix,
    outFile: join(prefix, "logs", "stderr"),
    cleanupOnExit: () => removeDir(prefix),
  });
  const url = `https://${LOOPBACK}:${port}/`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = spawnSync("bash", ["-c", `exec 3<>/dev/tcp/${LOOPBACK}/${port}`]);
    if (r.status === 0) break;
    if (proc.exitStatus() !== undefined || Date.now() > deadline) {
      await proc.stop(2_000);
      throw new Error(
        `startTlsNginx: nginx did not start (${proc.exitStatus() ?? "timeout"}):\n${tailFile(join(prefix, "logs", "error.log"), 20)}`,
      );
    }
    await sleep(50);
  }
  return {
    url,
    stop: async () => {
      await proc.stop(5_000);
      removeDir(prefix);
    },
  };
}
