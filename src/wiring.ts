// The composition root: configuration → clients → services, built once per call and only when an
// action asks for them (info never does, so it never loads the HTTP stack).
import type { Config } from "./config/schema.ts";
import type { Logger } from "./log/index.ts";
import type { Services } from "./services/services.ts";
import { Claims } from "./services/claims.ts";
import type { DiskDeps, PersistentDiskSettings } from "./services/disk/deps.ts";
import { NodeDiskPlacement } from "./services/disk/node-disk-placement.ts";
import { Disks } from "./services/disk/service.ts";
import { ironicNeedsMd5 } from "./services/stemcell/image-checksums.ts";
import { connectIronic } from "./services/ironic-connection.ts";
import { once } from "./services/once.ts";
import { Reconciler } from "./services/reconcile.ts";
import type { VmDeps } from "./services/vm/deps.ts";
import { prepareVmConfigDrive } from "./services/vm/config-drive.ts";
import { VmService } from "./services/vm/service.ts";
import { RegistryRecords } from "./registry/records.ts";
import { SettingsService } from "./services/settings.ts";
import { StemcellService } from "./services/stemcell/service.ts";
import { storeOptions } from "./webdav/options.ts";
import { WebdavStore } from "./webdav/store.ts";

export async function createServices(config: Config, log: Logger): Promise<Services> {
  const now = () => new Date();
  // One Ironic client per call, negotiated on first use (the VM service, and the disk service later).
  const ironic = once(() => connectIronic(config, log));
  // The disk service and the VM service's placement hook share one set of dependencies.
  const diskDeps = once(async (): Promise<DiskDeps> => {
    const client = await ironic();
    const settings: PersistentDiskSettings = services.settings;
    return { ironic: client, config, log, now, claims: new Claims({ ironic: client, log, now }), settings };
  });
  // What the VM service and the reconciler act with; the disks hook keeps cleaning off nodes with live disks.
  const vmDeps = once(async (): Promise<VmDeps> => {
    const client = await ironic();
    const claims = new Claims({ ironic: client, log, now });
    return { ironic: client, config, log, now, claims, placement: new NodeDiskPlacement(await diskDeps()) };
  });
  const disks = new Disks(config, diskDeps); // checks its arguments before connecting to Ironic
  // WebDAV stores (no I/O until used): stemcell images, and (when configured) registry records.
  const store = new WebdavStore(storeOptions(config.stemcell_store, log));
  const registryStore = config.registry.store && new WebdavStore(storeOptions(config.registry.store, log));
  const services: Services = {
    // checks create_vm's arguments before it connects to Ironic
    vms: new VmService(config, log, async () => ({
      ...(await vmDeps()),
      stemcells: services.stemcells,
      settings: services.settings,
      configDrive: prepareVmConfigDrive,
    })),
    disks,
    reconcile: new Reconciler(vmDeps, disks),
    stemcells: new StemcellService({
      store,
      log,
      now,
      staleMs: config.ironic.stale_claim_margin * 1000,
      md5Needed: () => ironicNeedsMd5(config, log),
    }),
    // Agent settings only ever go to the registry store (never the image store conductors read).
    settings: new SettingsService({
      records: registryStore && new RegistryRecords(registryStore, config.registry.prefix),
      log,
    }),
    close: async () => {
      await store.close();
      await registryStore?.close();
    },
  };
  return services;
}
