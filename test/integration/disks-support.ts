// In-process CPI calls for the disk integration tests: the real dispatcher, the real VM service with the
// real disk placement, and the real disk service on the real Ironic (fake-hardware), sharing one set of
// disk dependencies the way src/wiring.ts does. The registry copy of settings is kept in memory.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ConfigInput } from "../../src/config/schema.ts";
import type { Response } from "../../src/protocol/envelope.ts";
import type { ServicesFactory } from "../../src/protocol/dispatch.ts";
import type { DiskHint } from "../../src/protocol/shapes.ts";
import { Claims } from "../../src/services/claims.ts";
import type { DiskDeps } from "../../src/services/disk/deps.ts";
import { NodeDiskPlacement } from "../../src/services/disk/node-disk-placement.ts";
import { Disks } from "../../src/services/disk/service.ts";
import { connectIronic } from "../../src/services/ironic-connection.ts";
import type { Services } from "../../src/services/services.ts";
import { prepareVmConfigDrive } from "../../src/services/vm/config-drive.ts";
import { VmService } from "../../src/services/vm/service.ts";
import { dispatchInProcess } from "../support/log-capture.ts";
import { ironic } from "../support/servers.ts";
import { FAKE_STEMCELL, MemorySettings } from "./vm-support.ts";

export { STEMCELL_CID, vmConfig } from "./vm-support.ts";

/** The registry store with the disks' view of it (settings.updatePersistentDisks). */
export class MemoryRegistry extends MemorySettings {
  async updatePersistentDisks(vmCid: string, update: (disks: Record<string, DiskHint>) => Record<string, DiskHint>) {
    const s = this.records.get(vmCid) as { disks?: { persistent?: Record<string, DiskHint> } } | undefined;
    if (!s) return;
    s.disks = { ...s.disks, persistent: update(s.disks?.persistent ?? {}) };
  }
}

export interface DiskHarness {
  settings: MemoryRegistry;
  call(method: string, args: unknown[], opts?: { apiVersion?: number; stemcellApiVersion?: number }): Promise<Response>;
}

export function diskHarness(config: ConfigInput): DiskHarness {
  const settings = new MemoryRegistry();
  const services: ServicesFactory = async (cfg, log) => {
    const client = await connectIronic(cfg, log);
    const now = () => new Date();
    const deps: DiskDeps = {
      ironic: client,
      config: cfg,
      log,
      now,
      claims: new Claims({ ironic: client, log, now }),
      settings,
    };
    const vms = new VmService({
      ...deps,
      placement: new NodeDiskPlacement(deps),
      stemcells: FAKE_STEMCELL,
      settings,
      configDrive: prepareVmConfigDrive,
    });
    return { vms, disks: Disks.over(deps), close: async () => {} } as unknown as Services;
  };
  return {
    settings,
    call: (method, args, opts = {}) =>
      dispatchInProcess(
        JSON.stringify({
          method,
          arguments: args,
          context: {
            director_uuid: "director-1",
            request_id: "cpi-disks",
            vm: { stemcell: { api_version: opts.stemcellApiVersion ?? 2 } },
          },
          api_version: opts.apiVersion ?? 2,
        }),
        { config, services, log: { level: "debug", write: () => {} } },
        `disks ${method}`,
      ),
  };
}

/** Ironic log lines saying automated cleaning ran on the node ("Executing automated cleaning on node X"). */
export function cleaningsOf(nodeUuid: string): number {
  const log = readFileSync(join(ironic().stateDir, "log", "ironic.log"), "utf8");
  return log.split("\n").filter((l) => l.includes(`Executing automated cleaning on node ${nodeUuid}`)).length;
}

/** The result, or a thrown error carrying the CPI's error (so a failing step names itself). */
export function ok<T = unknown>(r: Response): T {
  if (r.error) throw new Error(`CPI error ${r.error.type}: ${r.error.message}`);
  return r.result as T;
}
