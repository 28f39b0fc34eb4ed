// In-process CPI calls for the VM and disk integration tests: the real dispatcher and the real VM service
// (with the real disk service and placement when asked) on the real Ironic, with a fixed stemcell image
// (fake-hardware never downloads it) and an in-memory record store.
import { randomUUID } from "node:crypto";
import type { ConfigInput } from "../../src/config/schema.ts";
import type { Response } from "../../src/protocol/envelope.ts";
import type { DiskHint } from "../../src/protocol/shapes.ts";
import type { DiskDeps } from "../../src/services/disk/deps.ts";
import { NodeDiskPlacement } from "../../src/services/disk/node-disk-placement.ts";
import { Disks } from "../../src/services/disk/service.ts";
import type { ServicesFactory } from "../../src/protocol/dispatch.ts";
import type { Services } from "../../src/services/services.ts";
import { Claims } from "../../src/services/pool/claims.ts";
import type { DiskPlacement } from "../../src/services/pool/disk-placement.ts";
import { NO_DISK_PLACEMENT } from "../support/no-disk-placement.ts";
import { connectIronic } from "../../src/wiring.ts";
import type { SettingsRecords, StemcellSource } from "../../src/services/vm/create.ts";
import { prepareVmConfigDrive } from "../../src/services/vm/config-drive.ts";
import { VmService } from "../../src/services/vm/service.ts";
import { dispatchInProcess } from "../support/log-capture.ts";
import { ironicUrl, webdav } from "../support/servers.ts";

export const STEMCELL_CID = "stemcell-test-1";

export const FAKE_STEMCELL: StemcellSource = {
  resolve: async (cid) => {
    if (cid !== STEMCELL_CID) throw new Error(`unknown stemcell ${cid}`);
    return {
      imageUrl: "http://127.0.0.1:1/images/stemcell-test-1/root.img",
      checksums: { sha256: "a".repeat(64), md5: "b".repeat(32) },
      diskFormat: "qcow2",
    };
  },
};

/** The settings records (what the registry would hold), with the disks' view of them. */
export class MemorySettings implements SettingsRecords {
  readonly records = new Map<string, unknown>();
  async put(vmCid: string, settings: unknown) {
    this.records.set(vmCid, settings);
  }
  async remove(vmCid: string) {
    this.records.delete(vmCid);
  }
  async updatePersistentDisks(vmCid: string, update: (disks: Record<string, DiskHint>) => Record<string, DiskHint>) {
    const s = this.records.get(vmCid) as { disks?: { persistent?: Record<string, DiskHint> } } | undefined;
    if (!s) return;
    s.disks = { ...s.disks, persistent: update(s.disks?.persistent ?? {}) };
  }
}

export function vmConfig(overrides: Partial<ConfigInput> = {}, url = ironicUrl()): ConfigInput {
  const w = webdav();
  return {
    ironic: { url, poll: { initial_interval_ms: 50, max_interval_ms: 500 }, deploy_timeout: 120, delete_timeout: 120 },
    stemcell_store: { url: w.url, username: w.username, password: w.password },
    agent: { mbus: "nats://nats:nats-pass@10.0.0.6:4222" },
    ...overrides,
  };
}

export interface Harness {
  settings: MemorySettings;
  call(method: string, args: unknown[], opts?: { apiVersion?: number; stemcellApiVersion?: number }): Promise<Response>;
  /** create_vm as the director sends it, with the harness's networks and env; a new agent id unless given. */
  createVm(props: Record<string, unknown>, opts?: { agentId?: string; diskCids?: string[] }): Promise<Response>;
}

export interface HarnessOptions {
  /** the real disk service and disk placement beside the VM service, sharing one set of deps as src/wiring.ts does */
  disks?: boolean;
  placement?: DiskPlacement;
  now?: () => Date;
  logWrite?: (line: string) => void;
  stemcells?: StemcellSource;
  /** create_vm's networks (default: one dynamic network) and env (default: none) */
  networks?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

/** In-process CPI calls: the real dispatcher and services on the real Ironic, settings kept in memory. */
export function harness(config: ConfigInput, opts: HarnessOptions = {}): Harness {
  const settings = new MemorySettings();
  const services: ServicesFactory = async (cfg, log) => {
    const ironic = await connectIronic(cfg, log);
    const now = opts.now ?? (() => new Date());
    const deps: DiskDeps = { ironic, config: cfg, log, now, claims: new Claims({ ironic, log, now }), settings };
    const vms = VmService.over({
      ...deps,
      placement: opts.placement ?? (opts.disks ? new NodeDiskPlacement(deps) : NO_DISK_PLACEMENT),
      stemcells: opts.stemcells ?? FAKE_STEMCELL,
      settings,
      configDrive: prepareVmConfigDrive,
    });
    // Services the methods under test do not use stay out.
    return { vms, ...(opts.disks && { disks: Disks.over(deps) }), close: async () => {} } as unknown as Services;
  };
  const call: Harness["call"] = (method, args, o = {}) =>
    dispatchInProcess(
      JSON.stringify({
        method,
        arguments: args,
        context: {
          director_uuid: "director-1",
          request_id: "cpi-000001",
          vm: { stemcell: { api_version: o.stemcellApiVersion ?? 2 } },
        },
        api_version: o.apiVersion ?? 2,
      }),
      { config, services, log: { level: "debug", write: opts.logWrite ?? (() => {}) } },
      `${opts.disks ? "disks" : "vm"} ${method}`,
    );
  const networks = opts.networks ?? { default: { type: "dynamic", cloud_properties: {} } };
  return {
    settings,
    call,
    createVm: (props, o = {}) =>
      call("create_vm", [o.agentId ?? randomUUID(), STEMCELL_CID, props, networks, o.diskCids ?? [], opts.env ?? {}]),
  };
}

/** A stemcell whose image a local HTTP server really serves (Ironic's `direct` deploy checks the URL). */
export async function servedStemcell(): Promise<{ stemcells: StemcellSource; close(): Promise<void> }> {
  const { createServer } = await import("node:http");
  const body = Buffer.from("not really a disk image");
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-length": String(body.length) });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const { createHash } = await import("node:crypto");
  return {
    stemcells: {
      resolve: async () => ({
        imageUrl: `http://127.0.0.1:${port}/root.img`,
        checksums: {
          sha256: createHash("sha256").update(body).digest("hex"),
          md5: createHash("md5").update(body).digest("hex"),
        },
        diskFormat: "raw",
      }),
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
