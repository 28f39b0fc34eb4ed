// Unfinished stemcells: a create_stemcell killed mid-way leaves a folder without its record
// (stemcell.json is written last, so its absence is the mark). The director never learnt the CID, so
// nobody would ever delete it. create_stemcell and delete_stemcell sweep folders that have been
// unfinished for longer than the stale margin; a live upload writes its record within milliseconds of
// its image, so only dead calls' leftovers are that old.
import type { Logger } from "../../log/index.ts";
import { storeKey } from "../../webdav/paths.ts";
import type { StoreEntry, WebdavStore } from "../../webdav/store.ts";
import { RECORD_NAME } from "../../stemcell/record.ts";

const GENERATED_CID = /^stemcell-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const newest = (entries: readonly StoreEntry[], fallback: Date | undefined): number =>
  Math.max(fallback?.getTime() ?? 0, ...entries.map((e) => e.modified?.getTime() ?? 0));

/** Removes unfinished stemcell folders older than `staleMs`; returns their CIDs. Never throws. */
export async function sweepUnfinishedStemcells(
  store: WebdavStore,
  log: Logger,
  now: Date,
  staleMs: number,
): Promise<string[]> {
  const swept: string[] = [];
  try {
    for (const dir of await store.list()) {
      if (dir.type !== "directory" || !GENERATED_CID.test(dir.name)) continue;
      const inside = await store.list(storeKey(dir.name));
      if (inside.some((e) => e.name === RECORD_NAME)) continue;
      const age = now.getTime() - newest(inside, dir.modified);
      if (!(age > staleMs)) continue;
      await store.removeCollection(storeKey(dir.name));
      log.warn(
        { stemcell_cid: dir.name, age_s: Math.round(age / 1000) },
        "removed an unfinished stemcell left by a create_stemcell that did not finish",
      );
      swept.push(dir.name);
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, "could not sweep unfinished stemcells");
  }
  return swept;
}
