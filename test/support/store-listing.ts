// What a folder of the WebDAV store holds, read from the server's data directory on disk (not through
// the CPI's store): "no partial stemcell left" is a fact about the disk, whatever the client believes.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Files below `folder` as "relative/path size", sorted; [] when the folder is absent or empty. */
export function storeListing(dataDir: string, folder: string): string[] {
  const root = join(dataDir, folder);
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((p) => statSync(join(root, p)).isFile())
    .map((p) => `${p} ${statSync(join(root, p)).size}`)
    .sort();
}

/**
 * Stemcell folders (one per cid) and whether each is complete: it has its stemcell.json record. `other`
 * names folders of the store that are not stemcells (the registry records' prefix).
 */
export function stemcellFolders(
  dataDir: string,
  folder: string,
  other: readonly string[] = ["registry"],
): { cid: string; complete: boolean; files: string[] }[] {
  const root = join(dataDir, folder);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => !other.includes(d) && statSync(join(root, d)).isDirectory())
    .map((cid) => {
      const files = (readdirSync(join(root, cid), { recursive: true }) as string[]).sort();
      return { cid, complete: files.includes("stemcell.json"), files };
    });
}
