// A stemcell tarball as the director and `bosh create-env` hand it to create_stemcell: unpacked, the path
// of its `image` (a gzipped tar holding root.img) and stemcell.MF's cloud_properties.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";

export interface UnpackedStemcell {
  image: string;
  cloudProperties: Record<string, unknown>;
  manifest: Record<string, unknown>;
}

export function unpackStemcell(tarball: string): UnpackedStemcell {
  const dir = mkdtempSync(join(tmpdir(), "e2e-stemcell-"));
  execFileSync("tar", ["-xzf", tarball, "-C", dir, "stemcell.MF", "image"]);
  const manifest = YAML.parse(readFileSync(join(dir, "stemcell.MF"), "utf8")) as Record<string, unknown>;
  return {
    image: join(dir, "image"),
    cloudProperties: manifest["cloud_properties"] as Record<string, unknown>,
    manifest,
  };
}
