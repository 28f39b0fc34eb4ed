// The CPI as `bosh create-env` installs and runs it, for the e2e tests: the release's job rendered by
// Ruby's ERB into <installation>/jobs/ironic_cpi (bin/cpi, config/cpi.json), the packages holding node
// and the bundle, and every call through bosh-cli's own CPI client (`cpi-call`). A call the CLI cannot
// make (create_vm with disk_cids: this client always sends []) goes as the director sends it, to the
// same rendered configuration.
import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Director } from "../support/director.ts";
import { renderJob } from "../release/support/render.ts";
import { type E2eBed, bed } from "./context.ts";
import { runPeer } from "./peers.ts";

const DIST = resolve(dirname(new URL(import.meta.url).pathname), "../../dist");

export interface CpiAnswer {
  code: number;
  result?: unknown;
  error?: { type: string; message: string; ok_to_retry: boolean };
  stderr: string;
  ms: number;
}

export interface Installation {
  dir: string;
  configPath: string;
  /** one method through cpi-call (info first, API 2, the stemcell's api_version in the context) */
  call(method: string, args: unknown[]): Promise<CpiAnswer>;
  /** one method as the director sends it (API 2, its own context): for what cpi-call cannot send */
  director: Director;
}

/** The job's properties for the bed: its Ironic, its store (written by the CPI, read by the ramdisk). */
export function bedProperties(
  extra: { mbusPassword: string; storeFolder: string; readUrl?: string },
  b: Pick<E2eBed, "ironicUrl" | "webdav"> = bed(),
) {
  return {
    ironic: {
      url: b.ironicUrl,
      poll: { initial_interval_ms: 500, max_interval_ms: 5000 },
      // software emulation: a ramdisk boots in a minute or more, five under load
      deploy_timeout: 2400,
      delete_timeout: 2400,
    },
    stemcell_store: {
      url: `${b.webdav.url}${extra.storeFolder}/`,
      username: b.webdav.username,
      password: b.webdav.password,
      ...(extra.readUrl ? { read_url: extra.readUrl } : {}),
    },
    // as bosh-deployment sets it for create-env: the agent serves its mbus over HTTPS on 6868
    agent: { mbus: `https://mbus:${extra.mbusPassword}@0.0.0.0:6868` },
    // as bosh-deployment's create-env manifests set it: the agent refuses to start without a blobstore
    // (found here: an agent without one exits "executable bosh-blobstore- not found" and runit restarts it)
    blobstore: { provider: "local", path: "/var/vcap/micro_bosh/data/cache" },
  };
}

/** Renders the job into a new installation with these properties. */
export function install(properties: object): Installation {
  const dir = mkdtempSync(join(tmpdir(), "e2e-installation-"));
  const packages = join(dir, "packages");
  mkdirSync(join(packages, "node", "bin"), { recursive: true });
  symlinkSync(process.execPath, join(packages, "node", "bin", "node"));
  symlinkSync(DIST, join(packages, "bosh-ironic-cpi"));
  const job = join(dir, "jobs", "ironic_cpi");
  renderJob("ironic_cpi", properties, job);
  const cpi = join(job, "bin", "cpi");
  const configPath = join(job, "config", "cpi.json");
  return {
    dir,
    configPath,
    call: (method, args) => cpiCall(cpi, method, args),
    director: new Director({ configPath, callTimeoutMs: 3_600_000 }),
  };
}

/** cpi-call exits 0 with the result (JSON on stdout), 1 with the CPI's typed error (JSON on stderr). */
async function cpiCall(cpi: string, method: string, args: unknown[]): Promise<CpiAnswer> {
  const argv = ["-cpi", cpi, "-stemcell-api-version", "2", method, JSON.stringify(args)];
  // a create_vm under emulation takes minutes; an hour is the bound of a hung one
  const { code, stdout, stderr, ms } = await runPeer("cpi-call", argv, 3_600_000);
  if (code === 0) return { code, result: JSON.parse(stdout), stderr, ms };
  if (code === 1) return { code, error: JSON.parse(stderr), stderr, ms };
  throw new Error(`cpi-call ${method} exited ${code}: ${stdout}${stderr}`);
}

/** The result of an answer that must have succeeded; its error (with the CPI's log) otherwise. */
export function ok<T = unknown>(a: CpiAnswer, what: string): T {
  if (a.code !== 0) throw new Error(`${what}: ${a.error?.type}: ${a.error?.message}\n${a.stderr.slice(-4000)}`);
  return a.result as T;
}
