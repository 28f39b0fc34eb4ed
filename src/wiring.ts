// The composition root: configuration → clients → services, built once per call and only when an
// action asks for them (info never does, so it never loads the HTTP stack). Every client of the CPI is
// built here and nowhere else.
import type { Config } from "./config/schema.ts";
import { type IronicClient, createIronicClient } from "./ironic/client.ts";
import type { Logger } from "./log/index.ts";
import { RegistryRecords } from "./registry/records.ts";
import type { DiskDeps } from "./services/disk/deps.ts";
import { NodeDiskPlacement } from "./services/disk/node-disk-placement.ts";
import { Disks } from "./services/disk/service.ts";
import { Claims } from "./services/pool/claims.ts";
import type { PoolDeps } from "./services/pool/deps.ts";
import { Reconciler } from "./services/reconcile/service.ts";
import type { Services } from "./services/services.ts";
import { SettingsService } from "./services/settings/service.ts";
import { ironicNeedsMd5 } from "./services/stemcell/image-checksums.ts";
import { StemcellService } from "./services/stemcell/service.ts";
import { prepareVmConfigDrive } from "./services/vm/config-drive.ts";
import { VmService } from "./services/vm/service.ts";
import { storeOptions } from "./webdav/options.ts";
import { WebdavStore } from "./webdav/store.ts";

export interface ConnectOptions {
  /** One attempt with a short timeout: for a question whose answer has a safe default. */
  quick?: boolean;
}

const QUICK_TIMEOUT_MS = 5_000;

/** The Ironic client of one CPI call, from configuration; negotiates the microversion (one GET /). */
export function connectIronic(config: Config, log: Logger, opts: ConnectOptions = {}): Promise<IronicClient> {
  const c = config.ironic;
  if (c.insecure && !opts.quick) log.warn({ url: c.url }, "TLS verification of Ironic is turned off (ironic.insecure)");
  const timeoutMs = c.request_timeout * 1000;
  return createIronicClient({
    url: c.url,
    auth: c.auth,
    ...(c.ca_cert ? { caCert: c.ca_cert } : {}),
    insecure: c.insecure,
    timeoutMs: opts.quick ? Math.min(timeoutMs, QUICK_TIMEOUT_MS) : timeoutMs,
    retry: {
      attempts: opts.quick ? 1 : c.retries.attempts + 1,
      baseMs: c.retries.base_delay_ms,
      maxMs: c.retries.max_delay_ms,
    },
    logger: log,
    ...(c.max_api_version ? { maxVersion: c.max_api_version } : {}),
    scope: {
      ...(c.shard !== undefined ? { shard: c.shard } : {}),
      ...(c.owner !== undefined ? { owner: c.owner } : {}),
      ...(c.lessee !== undefined ? { lessee: c.lessee } : {}),
    },
  });
}

/** Memoises an async builder: one build per call of the CPI, even when several methods race. */
function once<T>(build: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= build());
}

export async function createServices(config: Config, log: Logger): Promise<Services> {
  const now = () => new Date();
  // WebDAV stores (no I/O until used): stemcell images, and (when configured) registry records.
  const store = new WebdavStore(storeOptions(config.stemcell_store, log));
  const registryStore = config.registry.store && new WebdavStore(storeOptions(config.registry.store, log));
  // Agent settings only ever go to the registry store (never the image store conductors read).
  const settings = new SettingsService({
    records: registryStore && new RegistryRecords(registryStore, config.registry.prefix),
    log,
  });
  // One Ironic client and one set of claims per call, built on first use; the pool's release hook is the
  // disk service's placement, which keeps cleaning off servers holding live persistent disks.
  const ironic = once(async () => {
    const client = await connectIronic(config, log);
    const claims = new Claims({ ironic: client, log, now });
    const disk: DiskDeps = { ironic: client, config, log, now, claims, settings };
    const pool: PoolDeps = { ironic: client, config, log, now, claims, placement: new NodeDiskPlacement(disk) };
    return { disk, pool };
  });
  const stemcells = new StemcellService({
    store,
    log,
    now,
    staleMs: config.ironic.stale_claim_margin * 1000,
    md5Needed: () => ironicNeedsMd5(() => connectIronic(config, log, { quick: true }), log),
  });
  // Both check their arguments before they connect to Ironic.
  const disks = new Disks(config, async () => (await ironic()).disk);
  const vms = new VmService(config, log, async () => ({
    ...(await ironic()).pool,
    stemcells,
    settings,
    configDrive: prepareVmConfigDrive,
  }));
  return {
    vms,
    disks,
    reconcile: new Reconciler(async () => (await ironic()).pool, disks),
    stemcells,
    settings,
    close: async () => {
      await store.close();
      await registryStore?.close();
    },
  };
}
