// The release as the real bosh CLI sees it: `bosh create-release` of a fresh clone (npm run release, which
// fetches the Node.js blob and bundles the CPI), and `bosh int` of every manifest, ops file and example
// under release/ and docs/: ops files applied to a bosh-deployment-shaped bosh.yml, the documented
// create-env command with exactly its variables, every variable resolved (--var-errs).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import YAML from "yaml";
import { VARS } from "../release/support/manifest-vars.ts";
import { REPO } from "../release/support/render.ts";
import { peer } from "./peers.ts";

const BASE = join(REPO, "test/release/fixtures/bosh-deployment.yml");
let work: string;
let varsFile: string;

function bosh(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(peer("bosh"), ["--non-interactive", ...args], {
    encoding: "utf8",
    cwd: opts.cwd ?? work,
    env: { ...process.env, ...opts.env },
    timeout: 600_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "conformance-release-"));
  varsFile = join(work, "vars.yml");
  writeFileSync(varsFile, YAML.stringify(VARS));
});

const manifests = readdirSync(join(REPO, "release/manifests"))
  .filter((f) => f.endsWith(".yml"))
  .sort();
const isOpsFile = (file: string) => Array.isArray(YAML.parse(readFileSync(file, "utf8")));

describe("bosh int", () => {
  test.each(manifests)("release/manifests/%s resolves with every variable set", (name) => {
    const file = join(REPO, "release/manifests", name);
    // an ops file goes onto bosh.yml (after cpi.yml, which the others extend); a manifest stands alone
    // bosh.yml's own generated credentials come from a vars store, as create-env makes them
    const args = isOpsFile(file)
      ? [
          BASE,
          ...(name === "cpi.yml" ? [] : ["-o", join(REPO, "release/manifests/cpi.yml")]),
          "-o",
          file,
          "--vars-store",
          join(work, `creds-${name}`),
        ]
      : [file];
    const r = bosh(["int", ...args, "-l", varsFile, "--var-errs"]);
    expect(r.code, r.err + r.out).toBe(0);
    expect(YAML.parse(r.out)).toBeTruthy();
  });

  test("YAML examples in docs/ and the README parse and resolve", () => {
    const docs = [join(REPO, "README.md"), ...readdirSync(join(REPO, "docs")).map((f) => join(REPO, "docs", f))];
    let blocks = 0;
    for (const doc of docs) {
      for (const m of readFileSync(doc, "utf8").matchAll(/```ya?ml\n([\s\S]*?)```/g)) {
        blocks++;
        const file = join(work, `example-${blocks}.yml`);
        writeFileSync(file, m[1]!);
        const args = isOpsFile(file) ? [BASE, "-o", join(REPO, "release/manifests/cpi.yml"), "-o", file] : [file];
        const r = bosh(["int", ...args, "-l", varsFile]);
        expect(r.code, `${doc} block ${blocks}: ${r.err}`).toBe(0);
      }
    }
  });

  test("docs/deploying.md's create-env command names every variable the ops files need, and nothing else", () => {
    const text = readFileSync(join(REPO, "docs/deploying.md"), "utf8");
    const command = /```sh\n(bosh create-env bosh-deployment\/bosh\.yml[\s\S]*?)```/.exec(text)?.[1];
    expect(command, "a bosh create-env example").toBeTruthy();
    const words = command!.replace(/\\\n/g, " ").split(/\s+/).filter(Boolean);
    const ops: string[] = [];
    const vars: string[] = [];
    for (let i = 0; i < words.length; i++) {
      if (words[i] === "-o") ops.push(join(REPO, words[++i]!.replace(/^bosh-ironic-cpi\//, "")));
      if (words[i] === "-v") vars.push(words[++i]!.replace(/<[^>]*>/g, "x").replace(/\$PWD/g, work));
    }
    const r = bosh([
      "int",
      BASE,
      ...ops.flatMap((o) => ["-o", o]),
      ...vars.flatMap((v) => ["-v", v]),
      "--vars-store",
      join(work, "creds.yml"),
      "--var-errs",
      "--var-errs-unused",
    ]);
    expect(r.code, r.err + r.out).toBe(0);
  });
});

describe("bosh create-release", () => {
  test("of a fresh clone: npm run release builds a release holding both jobs and both packages", () => {
    const clone = join(work, "clone");
    execFileSync("git", ["clone", "--quiet", REPO, clone]);
    const env = { PATH: [dirname(peer("bosh")), process.env["PATH"]].join(delimiter) };
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: clone,
      env: { ...process.env, ...env },
      stdio: "pipe",
      timeout: 600_000,
    });
    const built = spawnSync("npm", ["run", "--silent", "release"], {
      cwd: clone,
      env: { ...process.env, ...env },
      encoding: "utf8",
      timeout: 900_000,
    });
    expect(built.status, built.stdout + built.stderr).toBe(0);
    const tarball = join(clone, "release/dev_releases/bosh-ironic-cpi.tgz");
    const inspected = bosh(["inspect-local-release", tarball, "--json"]);
    expect(inspected.code, inspected.err).toBe(0);
    const tables = (JSON.parse(inspected.out) as { Tables: { Rows: Record<string, string>[] }[] }).Tables;
    const names = tables.flatMap((t) => t.Rows.map((r) => (r["job"] ?? r["package"] ?? "").split("/")[0]));
    expect(names).toEqual(expect.arrayContaining(["ironic_cpi", "registry", "node", "bosh-ironic-cpi"]));
  }, 1_200_000);
});
