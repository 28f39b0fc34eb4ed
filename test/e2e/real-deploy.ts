// One real deploy through the CPI outside vitest, for `npm run demo -- --real` (scripts/demo-real.ts) and the
// real-deploy bench rows (bench/real-deploy.ts), both run by scripts/e2e.sh inside a network namespace: the
// e2e test bed (global-setup.ts, the same servers and settings as the tests), the CPI installed as
// create-env installs it, and create_vm followed on the node's timeline until the agent answers.
import { randomUUID } from "node:crypto";
import type { TestProject } from "vitest/node";
import { type NodeSnapshot, type Timeline, newTimeline, waitForNode } from "../harness/testbed/node-timeline.ts";
import { IronicRest } from "../support/ironic-rest.ts";
import { type MbusCredentials, agentCall, mbusCredentials } from "./agent.ts";
import { type E2eBed, type E2eServer, byId, manualNetwork } from "./context.ts";
import { type Installation, bedProperties, install } from "./cpi.ts";
import setup from "./global-setup.ts";
import { unpackStemcell } from "./stemcell.ts";

export interface OpenBed {
  bed: E2eBed;
  /** the server of the lifecycle test (two NICs, root, ephemeral and persistent disks) */
  server: E2eServer;
  rest: IronicRest;
  node(): Promise<NodeSnapshot>;
  close(): Promise<void>;
}

/** The e2e bed as the tests get it (vitest's provide, answered here). */
export async function openBed(): Promise<OpenBed> {
  let bed: E2eBed | undefined;
  const teardown = await setup({ provide: (_: string, v: E2eBed) => (bed = v) } as unknown as TestProject);
  const server = bed!.servers.find((s) => s.role === "agent")!;
  const rest = new IronicRest(bed!.ironicUrl);
  return {
    bed: bed!,
    server,
    rest,
    node: () => rest.call<NodeSnapshot>("GET", `/v1/nodes/${server.node}`),
    close: teardown,
  };
}

export interface CpiOnBed {
  cpi: Installation;
  creds: MbusCredentials;
  stemcell: string;
}

/** The CPI rendered for the bed, with its stemcell store folder, and the raw stemcell uploaded. */
export async function cpiOnBed(o: OpenBed): Promise<CpiOnBed> {
  const { bed, server } = o;
  const creds = mbusCredentials(server.address);
  const folder = `real-${randomUUID().slice(0, 8)}`;
  const auth = Buffer.from(`${bed.webdav.username}:${bed.webdav.password}`).toString("base64");
  const made = await fetch(`${bed.webdav.url}${folder}/`, {
    method: "MKCOL",
    headers: { authorization: `Basic ${auth}` },
  });
  if (made.status !== 201) throw new Error(`MKCOL ${folder}: ${made.status}`);
  const cpi = install(bedProperties({ mbusPassword: creds.password, storeFolder: folder }, bed));
  const st = unpackStemcell(bed.stemcells.raw);
  const a = await cpi.call("create_stemcell", [st.image, st.cloudProperties]);
  if (a.code !== 0) throw new Error(`create_stemcell: ${a.error?.message}`);
  return { cpi, creds, stemcell: a.result as string };
}

/** Follows the node from `since` until it rests in `active` (after it left `available`). */
export async function followDeploy(o: OpenBed, since: number, timeline: Timeline = newTimeline()): Promise<Timeline> {
  const deadline = Date.now() + 600_000;
  while ((await o.node()).provision_state === "available" && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 250));
  await waitForNode(o.node, ["active"], { timeoutMs: 2_400_000, timeline, since, everyMs: 500 });
  return timeline;
}

export interface CpiDeploy {
  vm: string;
  /** create_vm's call, start to answer */
  ms: number;
  timeline: Timeline;
}

/** create_vm as create-env makes it (bosh-cli's CPI client, an mbus certificate in env), followed on the node. */
export async function createVmFollowed(o: OpenBed, c: CpiOnBed, timeline?: Timeline): Promise<CpiDeploy> {
  const { server } = o;
  const vmType = {
    resource_class: "e2e-agent",
    root_device: { serial: server.disks.find((d) => d.role === "root")!.serial },
    ephemeral_disk: byId(server.disks.find((d) => d.role === "ephemeral")!.serial),
    provisioning_network: "default",
  };
  const networks = { default: manualNetwork(server.address, {}, `${o.bed.subnet}.1`) };
  const env = { bosh: { mbus: { cert: c.creds.cert } } };
  const t0 = performance.now();
  const [created, followed] = await Promise.all([
    c.cpi.call("create_vm", [randomUUID(), c.stemcell, vmType, networks, [], env]),
    followDeploy(o, t0, timeline),
  ]);
  if (created.code !== 0) throw new Error(`create_vm: ${created.error?.message}`);
  return { vm: created.result as string, ms: created.ms, timeline: followed };
}

/** ms until the deployed server's agent answers ping over its HTTPS mbus (bosh-cli's agent client). */
export async function untilPong(o: OpenBed, c: CpiOnBed): Promise<number> {
  const t = performance.now();
  const p = await agentCall(o.server.address, c.creds, "ping", [], { wait: 1800 });
  if (p.code !== 0 || p.result !== "pong") throw new Error(`no pong: ${p.stderr}`);
  return performance.now() - t;
}
