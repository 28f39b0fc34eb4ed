// Stemcells uploaded by the 2016 Python CPI (original-python-cpi.md §6.6, §11): <cid>.qcow2 beside
// <cid>.meta ("<md5> <name>\n", md5sum style) at the top of the store, CIDs like
// stemcell_ubuntu-x86_64-3262.12. Read (and deleted) so a director migrating to this CPI keeps working.
// Pure.

export const LEGACY_CID = /^stemcell_[A-Za-z0-9._:-]+$/;

export function legacyObjectNames(cid: string): { image: string; meta: string } {
  return { image: `${cid}.qcow2`, meta: `${cid}.meta` };
}

export function parseLegacyMeta(text: string): { md5: string; name?: string } | undefined {
  const m = /^([0-9a-fA-F]{32})(?:\s+(\S.*?))?\s*$/.exec(text.split("\n")[0] ?? "");
  if (!m?.[1]) return undefined;
  return { md5: m[1].toLowerCase(), ...(m[2] ? { name: m[2] } : {}) };
}
