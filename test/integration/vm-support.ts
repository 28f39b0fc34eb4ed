// In-process CPI calls for the VM integration tests: the real dispatcher and the real VM service on the
// real Ironic, with a fixed stemcell image (fake-hardware never downloads it) and an in-memory record store.
import type { ConfigInput } from "../../src/config/schema.ts";
import type { Response } from "../../src/protocol/envelope.ts";
import type { ServicesFactory } from "../../src/protocol/dispatch.ts";
import type { Services } from "../../src/services/services.ts";
import { Claims } from "../../src/services/claims.ts";
import type { DiskPlacement } from "../../src/services/disk-placement.ts";
import { NO_DISK_PLACEMENT } from "../support/no-disk-placement.ts";
import { connectIronic } from "../../src/services/ironic-connection.ts";
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

export class MemorySettings implements SettingsRecords {
  readonly records = new Map<string, unknown>();
  async put(vmCid: string, settings: unknown) {
    this.records.set(vmCid, settings);
  }
  async remove(vmCid: string) {
    this.records.delete(vmCid);
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
  placement: DiskPlacement;
  call(method: string, args: unknown[], apiVersion?: number): Promise<Response>;
}

export function harness(
  config: ConfigInput,
  opts: {
    placement?: DiskPlacement;
    now?: () => Date;
    logWrite?: (line: string) => void;
    stemcells?: StemcellSource;
  } = {},
): Harness {
  const settings = new MemorySettings();
  const placement = opts.placement ?? NO_DISK_PLACEMENT;
  const services: ServicesFactory = async (cfg, log) => {
    const ironic = await connectIronic(cfg, log);
    const now = opts.now ?? (() => new Date());
    const vms = new VmService(cfg, log, {
      ironic,
      config: cfg,
      log,
      now,
      claims: new Claims({ ironic, log, now }),
      placement,
      stemcells: opts.stemcells ?? FAKE_STEMCELL,
      settings,
      configDrive: prepareVmConfigDrive,
    });
    // Other members of Services are not used by the VM methods.
    return { vms, close: async () => {} } as unknown as Services;
  };
  return {
    settings,
    placement,
    call: (method, args, apiVersion = 2) =>
      dispatchInProcess(
        JSON.stringify({
          method,
          arguments: args,
          context: { director_uuid: "director-1", request_id: "cpi-000001", vm: { stemcell: { api_version: 2 } } },
          api_version: apiVersion,
        }),
        { config, services, log: { level: "debug", write: opts.logWrite ?? (() => {}) } },
        `vm ${method}`,
      ),
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
