// Agent settings records (the registry), only for VMs whose agent reads a registry (stemcell api_version
// < 2 with registry.mode auto, or mode always: agent/user-data.ts chooseUserData): create_vm stores them,
// attach_disk/detach_disk keep disks.persistent in step (that copy is what the agent reads), delete_vm
// removes them. They hold the agent's secrets, so they live in registry.store, never in the stemcell
// store; without a registry store configured there are none, and nothing here touches a store.
import type { Logger } from "../../log/index.ts";
import { BoshError, CloudError, CpiError } from "../../protocol/errors.ts";
import type { DiskHint } from "../../protocol/shapes.ts";
import type { RegistryRecords } from "../../registry/records.ts";
import { UnsafeKeyError, describeStoreError } from "../../webdav/errors.ts";

export type AgentSettingsDocument = Record<string, unknown>;
export type PersistentDisks = Record<string, DiskHint>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function toBoshError(what: string, err: unknown): BoshError {
  if (err instanceof BoshError) return err;
  if (err instanceof UnsafeKeyError) return new CpiError(`${what}: ${err.message}`, { cause: err });
  return new CloudError(`${what}: ${describeStoreError(err)}`, { cause: err });
}

export class SettingsService {
  private readonly maybeRecords: RegistryRecords | undefined;
  private readonly log: Logger;

  /** `records` undefined: no registry store is configured (registry.store). */
  constructor(deps: { records: RegistryRecords | undefined; log: Logger }) {
    this.maybeRecords = deps.records;
    this.log = deps.log;
  }

  private get records(): RegistryRecords {
    if (!this.maybeRecords) throw new CpiError("the agent needs a registry, but registry.store is not configured");
    return this.maybeRecords;
  }

  /** Stores (or replaces) the VM's agent settings. */
  async put(vmCid: string, settings: unknown): Promise<void> {
    if (!isRecord(settings)) throw new CpiError(`agent settings for ${vmCid} must be a JSON object`);
    try {
      await this.records.write(vmCid, JSON.stringify(settings));
    } catch (err) {
      throw toBoshError(`storing agent settings of ${vmCid}`, err);
    }
  }

  /** The stored settings, or undefined when the VM has none. */
  async get(vmCid: string): Promise<AgentSettingsDocument | undefined> {
    let text: string | undefined;
    try {
      text = await this.records.read(vmCid);
    } catch (err) {
      throw toBoshError(`reading agent settings of ${vmCid}`, err);
    }
    if (text === undefined) return undefined;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new CloudError(`the stored agent settings of ${vmCid} are not JSON`);
    }
    if (!isRecord(doc)) throw new CloudError(`the stored agent settings of ${vmCid} are not a JSON object`);
    return doc;
  }

  /** Idempotent; nothing to do without a registry store. */
  async remove(vmCid: string): Promise<void> {
    if (!this.maybeRecords) return;
    try {
      await this.records.remove(vmCid);
    } catch (err) {
      throw toBoshError(`removing agent settings of ${vmCid}`, err);
    }
  }

  /**
   * Read-modify-write of disks.persistent (v1 behaviour: `{"<disk_cid>": {"path": "/dev/..."}}`).
   * A VM without stored settings is left alone with a warning: there is no agent reading them, and
   * failing here would block detach_disk/delete flows for nothing.
   */
  async updatePersistentDisks(vmCid: string, update: (persistent: PersistentDisks) => PersistentDisks): Promise<void> {
    const settings = await this.get(vmCid);
    if (!settings) {
      this.log.warn({ vm_cid: vmCid }, `no stored agent settings for ${vmCid}: disks.persistent not updated`);
      return;
    }
    const disks = isRecord(settings["disks"]) ? settings["disks"] : {};
    const persistent = isRecord(disks["persistent"]) ? (disks["persistent"] as PersistentDisks) : {};
    const next = update({ ...persistent });
    await this.put(vmCid, { ...settings, disks: { ...disks, persistent: next } });
    this.log.info(
      { vm_cid: vmCid, persistent: Object.keys(next) },
      `registry settings of ${vmCid}: persistent disks now ${Object.keys(next).join(", ") || "none"}`,
    );
  }
}
