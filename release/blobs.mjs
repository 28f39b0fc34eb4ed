// The release's blob index (config/blobs.yml) for release/build.sh, in the format `bosh add-blob`
// writes: `<path>: {size, object_id?, sha}` with sha either a sha1 hex or `sha256:<hex>`.
//   node release/blobs.mjs verify <release-dir> <blob-path> <file>   exit 0 match, 1 mismatch, 3 no entry
//   node release/blobs.mjs record <release-dir> <blob-path> <file>   writes the entry (sha256), drops
//                                                                    other entries of the same folder
import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import YAML from "yaml";

const [command, releaseDir, blobPath, file] = process.argv.slice(2);
if (!["verify", "record"].includes(command) || !releaseDir || !blobPath || !file) {
  console.error("usage: node release/blobs.mjs verify|record <release-dir> <blob-path> <file>");
  process.exit(2);
}

const indexPath = join(releaseDir, "config", "blobs.yml");
const index = YAML.parse(readFileSync(indexPath, "utf8")) ?? {};
const bytes = readFileSync(file);
const digest = (algorithm) => createHash(algorithm).update(bytes).digest("hex");
const size = statSync(file).size;

if (command === "verify") {
  const entry = index[blobPath];
  if (!entry) {
    console.error(`${blobPath} has no entry in ${indexPath}`);
    process.exit(3);
  }
  const [algorithm, expected] = String(entry.sha).includes(":")
    ? String(entry.sha).split(":")
    : ["sha1", String(entry.sha)];
  const actual = digest(algorithm);
  if (actual !== expected || entry.size !== size) {
    console.error(
      `${file} does not match ${indexPath} ${blobPath}: ${algorithm} ${actual} (want ${expected}), size ${size} (want ${entry.size})`,
    );
    process.exit(1);
  }
  process.exit(0);
}

const folder = `${dirname(blobPath)}/`;
const next = {};
for (const [path, entry] of Object.entries(index)) if (!path.startsWith(folder)) next[path] = entry;
next[blobPath] = { size, sha: `sha256:${digest("sha256")}` };
const sorted = Object.fromEntries(
  Object.keys(next)
    .sort()
    .map((k) => [k, next[k]]),
);
writeFileSync(indexPath, YAML.stringify(sorted));
console.log(`recorded ${blobPath} (${size} bytes) in ${indexPath}`);
