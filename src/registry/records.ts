// Where agent settings live in the WebDAV store: <prefix>/instances/<id>/settings, the layout of the
// 2016 CPI's registry (original-python-cpi.md §10.2) under a configurable prefix. Shared by the CPI's
// settings service (writes) and the registry server (serves agents), so both agree by construction.
// Values are JSON text; this module neither parses nor knows BOSH errors.
import { checkSegment, storeKey, type StoreKey } from "../webdav/paths.ts";
import type { WebdavStore } from "../webdav/store.ts";

export class RegistryRecords {
  constructor(
    private readonly store: WebdavStore,
    private readonly prefix: string,
  ) {
    checkSegment(prefix);
  }

  /** Throws UnsafeKeyError for an id that is not one safe path segment. */
  key(id: string): StoreKey {
    return storeKey(this.prefix, "instances", id, "settings");
  }

  read(id: string): Promise<string | undefined> {
    return this.store.getText(this.key(id));
  }

  write(id: string, json: string): Promise<void> {
    return this.store.putText(this.key(id), json, "application/json");
  }

  /** Removes the instance's folder; false when there was none. */
  remove(id: string): Promise<boolean> {
    this.key(id); // same check as every other operation
    return this.store.removeCollection(storeKey(this.prefix, "instances", id));
  }
}
