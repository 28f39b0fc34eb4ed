// What actions may use, built per call by src/wiring.ts. Actions import this as a type only.
import type { VmService } from "./vm/service.ts";
import type { Disks } from "./disk/service.ts";
import type { Reconciler } from "./reconcile/service.ts";
import type { SettingsService } from "./settings/service.ts";
import type { StemcellService } from "./stemcell/service.ts";

export interface Services {
  /** create/delete/has/reboot/set metadata of VMs (Ironic nodes); checks arguments, then connects to Ironic. */
  vms: VmService;
  /** Persistent disks on local devices (records on the Ironic node); connects to Ironic on first use. */
  disks: Disks;
  /** Stemcells in the WebDAV store: create, delete, resolve (image URL + checksums for create_vm). */
  stemcells: StemcellService;
  /** One pass over the fleet releasing what dead calls left claimed (the `reconcile` command). */
  reconcile: Reconciler;
  /** Agent settings records (the registry) in the WebDAV store. */
  settings: SettingsService;
  /** Closes connections so the process can exit promptly. */
  close(): Promise<void>;
}
