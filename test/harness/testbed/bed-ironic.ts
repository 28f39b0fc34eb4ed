// The bed's Ironic: today's Ironic from PyPI (startIronic, all-in-one on sqlite) inside the bed's network
// namespace, its API on the bridge address where the ramdisk's heartbeats arrive, with the settings of
// ironic-settings.ts.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type IronicServer, startIronic } from "../ironic.ts";
import { bedIronicConfig } from "./ironic-settings.ts";
import type { Testbed } from "./testbed.ts";

export interface BedIronicOptions {
  /** [conductor] automated_clean (default true, Ironic's own default); a node's field overrides it */
  automatedClean?: boolean;
  /** how long Ironic waits for the ramdisk's heartbeat, s (default 900: software emulation) */
  callbackTimeout?: number;
  /** API port on the bridge address (default 6385, Ironic's own: the namespace is the bed's) */
  port?: number;
  debug?: boolean;
  /** default <bed dir>/ironic: it goes with the bed dir (also when the anchor cleans up after a crash) */
  stateDir?: string;
}

export interface BedIronic {
  readonly server: IronicServer;
  /** http://<bridge address>:<port> */
  readonly url: string;
  /** IPA's logs of each deploy and cleaning (tar.gz), kept with the bed */
  readonly deployLogsDir: string;
  stop(): Promise<void>;
}

export async function startBedIronic(bed: Testbed, opts: BedIronicOptions = {}): Promise<BedIronic> {
  const port = opts.port ?? 6385;
  const deployLogsDir = join(bed.dir, "ipa-logs");
  mkdirSync(deployLogsDir, { recursive: true });
  const callbackTimeout = opts.callbackTimeout ?? 900;
  const server = await startIronic({
    release: "pypi",
    shape: "all-in-one",
    netns: bed.netns,
    host: bed.address,
    port,
    driver: "redfish",
    deployCallbackTimeout: callbackTimeout,
    automatedClean: opts.automatedClean ?? true,
    // every power sync is a Redfish call through sushy-tools to libvirt: each 30 s is plenty here
    powerSyncInterval: 30,
    debug: opts.debug,
    stateDir: opts.stateDir ?? join(bed.dir, "ironic"),
    extraConfig: bedIronicConfig({
      apiUrl: `http://${bed.address}:${port}`,
      httpRoot: bed.http.ironicRoot,
      httpUrl: bed.http.ironicUrl,
      deployLogsDir,
      automatedClean: opts.automatedClean ?? true,
      callbackTimeout,
    }),
  });
  return { server, url: server.url, deployLogsDir, stop: () => server.stop() };
}
