// Injected faults against the real Ironic and the real WebDAV: the CPI reaches both only through fault
// proxies (test/support/fault-proxy.ts). At 30 % faults on both the whole lifecycle completes with no
// failure, through the clients' own retries; with either service down entirely every method answers a
// typed error promptly and leaves nothing half-done.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Director } from "../support/director.ts";
import { type FaultKind, type FaultProxy, startFaultProxy } from "../support/fault-proxy.ts";
import { EPHEMERAL_DEVICE, type Fleet, buildFleet } from "../support/fleet.ts";
import { directorEnv, describeSteps, manualNetwork, runLifecycle } from "../support/lifecycle.ts";
import { type LifecycleServers, lifecycleConfig, prepareStore, writeConfig } from "../support/lifecycle-config.ts";
import { ironicUrl, webdav } from "../support/servers.ts";
import { storeListing } from "../support/store-listing.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";
import { someConductorGroup } from "../support/ironic-fixtures.ts";

/** Nothing listens on the discard port of 127.0.0.1: a service that is down entirely. */
const DOWN = "http://127.0.0.1:9";
/** A method must give up on a dead service within this, with the test configuration's retries. */
const PROMPT_MS = 30_000;

let work: string;
let fleet: Fleet;
let ironicProxy: FaultProxy;
let davProxy: FaultProxy;
let servers: LifecycleServers;
const figures: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cpi-faults-"));
  [ironicProxy, davProxy] = await Promise.all([
    startFaultProxy({
      upstream: ironicUrl(),
      kinds: { "503": 1, locked: 1, reset: 1, delay: 1 },
      delayMs: [50, 300],
      seed: 7,
    }),
    startFaultProxy({ upstream: webdav().url, kinds: { "503": 1, reset: 1, delay: 1 }, delayMs: [50, 300], seed: 8 }),
  ]);
  fleet = await buildFleet(ironicUrl());
  servers = {
    ironicUrl: ironicProxy.url,
    webdav: { ...webdav(), url: `${davProxy.url}/` },
    storeFolder: `faults-${fleet.id}`,
  };
  await prepareStore({ ...servers, webdav: webdav() });
});

afterAll(async () => {
  await fleet?.destroy();
  await Promise.all([ironicProxy?.close(), davProxy?.close()]);
  if (figures.length > 0) process.stdout.write(`\n${figures.join("\n")}\n`);
});

const faultsOf = (p: FaultProxy) =>
  Object.entries(p.faults)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
const total = (p: FaultProxy) => Object.values(p.faults).reduce((a, b) => a + b, 0);

/** Nodes of the fleet held by a BOSH record or an instance_uuid. */
async function claimedNodes(): Promise<string[]> {
  return (await fleet.nodes())
    .filter((n) => n.instance_uuid || n.extra["bosh"])
    .map((n) => `${n.name} ${n.provision_state} ${n.instance_uuid}`);
}

describe("the lifecycle through fault proxies", () => {
  test("at 0 % faults (baseline)", async () => {
    const configPath = writeConfig(work, lifecycleConfig(servers), "baseline.json");
    const steps = await runLifecycle({ configPath, fleet, workDir: work });
    expect(
      steps.filter((s) => s.outcome === "failed"),
      describeSteps(steps),
    ).toEqual([]);
    expect(steps.length).toBeGreaterThanOrEqual(30);
    expect(await claimedNodes()).toEqual([]);
  }, 600_000);

  /** The lifecycle with both proxies faulting `rate` of their requests; failed calls and the figures. */
  async function underFaults(
    label: string,
    ironicKinds: Partial<Record<FaultKind, number>>,
    davKinds: Partial<Record<FaultKind, number>>,
    seed: number,
  ) {
    const ip = await startFaultProxy({
      upstream: ironicUrl(),
      kinds: ironicKinds,
      delayMs: [50, 300],
      seed,
      rate: 0.3,
    });
    const dp = await startFaultProxy({
      upstream: webdav().url,
      kinds: davKinds,
      delayMs: [50, 300],
      seed: seed + 1,
      rate: 0.3,
    });
    try {
      const s = { ...servers, ironicUrl: ip.url, webdav: { ...webdav(), url: `${dp.url}/` } };
      const steps = await runLifecycle({
        configPath: writeConfig(work, lifecycleConfig(s), `${seed}.json`),
        fleet,
        workDir: work,
      });
      const failed = steps.filter((x) => x.outcome === "failed");
      figures.push(
        `faults: ${label}: ${steps.length} calls, ${failed.length} failed; Ironic ${ip.requests.length} requests, ${total(ip)} faults (${faultsOf(ip)}); ` +
          `WebDAV ${dp.requests.length} requests, ${total(dp)} faults (${faultsOf(dp)})`,
      );
      return { steps, failed, ip, dp };
    } finally {
      await Promise.all([ip.close(), dp.close()]);
    }
  }

  test("at 30 %: Ironic answers locked or slowly, WebDAV fails (503, reset) or is slow — 0 failures", async () => {
    const { steps, failed, ip, dp } = await underFaults(
      "30 % locked/delay on Ironic, 503/reset/delay on WebDAV",
      { locked: 1, delay: 1 },
      { "503": 1, reset: 1, delay: 1 },
      11,
    );
    expect(failed, describeSteps(steps)).toEqual([]);
    expect(total(ip)).toBeGreaterThan(20);
    expect(total(dp)).toBeGreaterThan(2);
    expect(await claimedNodes()).toEqual([]);
    expect(storeListing(webdav().dataDir, servers.storeFolder)).toEqual([]);
  }, 900_000);

  test("at 30 % of every kind on both (503, locked, reset, delay): 0 failures", async () => {
    const { steps, failed, ip } = await underFaults(
      "30 % of every kind on Ironic and WebDAV",
      { "503": 1, locked: 1, reset: 1, delay: 1 },
      { "503": 1, reset: 1, delay: 1 },
      21,
    );
    expect(failed, describeSteps(steps)).toEqual([]);
    expect(total(ip)).toBeGreaterThan(20);
    expect(await claimedNodes()).toEqual([]);
    expect(storeListing(webdav().dataDir, servers.storeFolder)).toEqual([]);
  }, 900_000);
});

describe("a service down entirely", () => {
  type Call = [method: string, args: unknown[]];
  let up: Director;
  let stemcell: string;
  let vm: string;
  let disk: string;

  beforeAll(async () => {
    up = new Director({ configPath: writeConfig(work, lifecycleConfig(servers), "up.json"), callTimeoutMs: 120_000 });
    const image = writeStemcellImage(join(work, "down-image"), 256 * 1024);
    stemcell = (await up.call("create_stemcell", [image.path, stemcellCloudProperties()])).response?.result as string;
    const created = await up.call("create_vm", [
      "5f1d1f4e-0d0e-4c55-9a55-1d0e0d0e0001",
      stemcell,
      fleet.vmTypes.pool,
      manualNetwork("10.0.1.30"),
      [],
      directorEnv(),
    ]);
    vm = (created.response?.result as [string])?.[0];
    disk = (await up.call("create_disk", [1024, fleet.diskType, vm])).response?.result as string;
    await up.call("attach_disk", [vm, disk]);
    expect(
      [stemcell, vm, disk].every((x) => typeof x === "string" && x.length > 0),
      `setup: ${stemcell} ${vm} ${disk}`,
    ).toBe(true);
  }, 300_000);

  afterAll(async () => {
    await up.call("detach_disk", [vm, disk]);
    await up.call("delete_disk", [disk]);
    await up.call("delete_vm", [vm]);
    await up.call("delete_stemcell", [stemcell]);
  }, 300_000);

  /** Runs each call against the dead service: one typed answer each, promptly; errors where required. */
  async function againstDeadService(
    configName: string,
    overrides: Record<string, unknown>,
    calls: Call[],
    mustFail: Set<string>,
  ) {
    const down = new Director({
      configPath: writeConfig(work, lifecycleConfig(servers, overrides), configName),
      callTimeoutMs: PROMPT_MS * 2,
    });
    const problems: string[] = [];
    let slowest = 0;
    for (const [method, args] of calls) {
      const r = await down.call(method, args);
      slowest = Math.max(slowest, r.duration_ms);
      if (!r.response) problems.push(`${method}: ${r.protocolError}`);
      else if (r.duration_ms > PROMPT_MS) problems.push(`${method}: took ${r.duration_ms} ms`);
      else if (mustFail.has(method) && !r.response.error)
        problems.push(`${method}: answered ${JSON.stringify(r.response.result)} without the service`);
      else if (r.response.error && !/^Bosh::Clouds::/.test(r.response.error.type))
        problems.push(`${method}: untyped ${r.response.error.type}`);
    }
    return { problems, slowest };
  }

  const IRONIC_METHODS = new Set([
    "create_vm",
    "delete_vm",
    "has_vm",
    "reboot_vm",
    "create_disk",
    "delete_disk",
    "attach_disk",
    "detach_disk",
    "has_disk",
    "get_disks",
  ]);

  test("Ironic down: typed errors within 30 s, the VM and its disk untouched", async () => {
    const image = writeStemcellImage(join(work, "down-image-2"), 64 * 1024);
    const calls: Call[] = [
      [
        "create_vm",
        [
          "5f1d1f4e-0d0e-4c55-9a55-1d0e0d0e0002",
          stemcell,
          fleet.vmTypes.pool,
          manualNetwork("10.0.1.31"),
          [],
          directorEnv(),
        ],
      ],
      ["has_vm", [vm]],
      ["reboot_vm", [vm]],
      ["set_vm_metadata", [vm, { director: "d", deployment: "dep" }]],
      ["get_disks", [vm]],
      ["has_disk", [disk]],
      ["create_disk", [1024, fleet.diskType, vm]],
      ["attach_disk", [vm, disk]],
      ["set_disk_metadata", [disk, { director: "d" }]],
      ["detach_disk", [vm, disk]],
      ["delete_disk", [disk]],
      ["delete_vm", [vm]],
      ["create_stemcell", [image.path, stemcellCloudProperties()]],
    ];
    const before = await fleet.nodes();
    const { problems, slowest } = await againstDeadService(
      "ironic-down.json",
      { ironic: { url: DOWN } },
      calls,
      IRONIC_METHODS,
    );
    figures.push(`faults: Ironic down — ${calls.length} methods answered, slowest ${slowest} ms`);
    expect(problems).toEqual([]);
    // nothing half-done: the same nodes, states and claims, the disk still attached
    const after = await fleet.nodes();
    const view = (ns: typeof before) =>
      ns.map((n) => `${n.name} ${n.provision_state} ${n.instance_uuid} ${JSON.stringify(n.extra)}`).sort();
    expect(view(after)).toEqual(view(before));
    expect((await up.call("has_vm", [vm])).response?.result).toBe(true);
    expect((await up.call("get_disks", [vm])).response?.result).toEqual([disk]);
  }, 600_000);

  test("WebDAV down: typed errors within 30 s, no partial stemcell, the VM untouched", async () => {
    const image = writeStemcellImage(join(work, "down-image-3"), 256 * 1024);
    const calls: Call[] = [
      ["create_stemcell", [image.path, stemcellCloudProperties()]],
      [
        "create_vm",
        [
          "5f1d1f4e-0d0e-4c55-9a55-1d0e0d0e0003",
          stemcell,
          fleet.vmTypes.pool,
          manualNetwork("10.0.1.32"),
          [],
          directorEnv(),
        ],
      ],
      ["delete_stemcell", [stemcell]],
      ["has_vm", [vm]],
      ["get_disks", [vm]],
    ];
    const listing = storeListing(webdav().dataDir, servers.storeFolder);
    const claimed = await claimedNodes();
    const { problems, slowest } = await againstDeadService(
      "webdav-down.json",
      { stemcell_store: { url: `${DOWN}/store/` } },
      calls,
      new Set(["create_stemcell", "create_vm", "delete_stemcell"]),
    );
    figures.push(`faults: WebDAV down — ${calls.length} methods answered, slowest ${slowest} ms`);
    expect(problems).toEqual([]);
    expect(storeListing(webdav().dataDir, servers.storeFolder)).toEqual(listing);
    expect(await claimedNodes()).toEqual(claimed);
    expect((await up.call("has_vm", [vm])).response?.result).toBe(true);
  }, 600_000);
});

describe("requests the input should have stopped", () => {
  test("a create_vm whose networks cannot work never claims a node", async () => {
    const d = new Director({
      configPath: writeConfig(work, lifecycleConfig(servers), "stopped.json"),
      callTimeoutMs: 120_000,
    });
    const image = writeStemcellImage(join(work, "stopped-image"), 64 * 1024);
    const stemcell = (await d.call("create_stemcell", [image.path, stemcellCloudProperties()])).response
      ?.result as string;
    const bad: [string, Record<string, unknown>][] = [
      ["netmask 255.0.255.0", { ...(manualNetwork("10.0.1.40").default as object), netmask: "255.0.255.0" }],
      [
        "a bond of one NIC",
        {
          ...(manualNetwork("10.0.1.41").default as object),
          cloud_properties: { bond: { macs: [fleet.known[0].macs[0]], mode: "active-backup" } },
        },
      ],
      [
        "a typo in the network's cloud_properties",
        { ...(manualNetwork("10.0.1.42").default as object), cloud_properties: { vlna: 5 } },
      ],
    ];
    const sent: string[] = [];
    try {
      for (const [what, net] of bad) {
        const from = ironicProxy.requests.length;
        const r = await d.call("create_vm", [
          "5f1d1f4e-0d0e-4c55-9a55-1d0e0d0e0004",
          stemcell,
          fleet.vmTypes.pool,
          { default: net },
          [],
          directorEnv(),
        ]);
        expect(r.response?.error?.type, what).toBe("Bosh::Clouds::CpiError");
        const writes = ironicProxy.requests.slice(from).filter((q) => q.method !== "GET");
        if (writes.length > 0) sent.push(`${what}: ${writes.map((q) => `${q.method} ${q.path}`).join(", ")}`);
      }
    } finally {
      await d.call("delete_stemcell", [stemcell]);
    }
    expect(sent).toEqual([]);
  }, 300_000);
});

describe("a deploy that ends in deploy failed", () => {
  test("VMCreationFailed(ok_to_retry) naming the node and Ironic's last_error; the node back in the pool, unclaimed", async () => {
    // A real failure: the direct (agent) deploy interface with no deploy ramdisk cannot even prepare.
    const rest = fleet.ironic;
    const mac = "52:54:ff:00:00:01";
    const node = await rest.call<{ uuid: string }>("POST", "/v1/nodes", {
      name: `${fleet.id}-direct`,
      driver: "fake-hardware",
      deploy_interface: "direct",
      properties: { bosh_ephemeral_device: EPHEMERAL_DEVICE },
      conductor_group: someConductorGroup(),
    });
    await rest.call("POST", "/v1/ports", { node_uuid: node.uuid, address: mac });
    await rest.power(node.uuid, "power off");
    await rest.provision(node.uuid, "manage", ["manageable"]);
    await rest.provision(node.uuid, "provide", ["available"]);
    const d = new Director({
      configPath: writeConfig(work, lifecycleConfig(servers), "deployfail.json"),
      callTimeoutMs: 120_000,
    });
    const image = writeStemcellImage(join(work, "deployfail-image"), 64 * 1024);
    const stemcell = (await d.call("create_stemcell", [image.path, stemcellCloudProperties()])).response
      ?.result as string;
    try {
      for (let attempt = 1; attempt <= 2; attempt++) {
        // the director retries a create_vm that says ok_to_retry
        const r = await d.call("create_vm", [
          "5f1d1f4e-0d0e-4c55-9a55-1d0e0d0e0005",
          stemcell,
          { macs: [mac] },
          manualNetwork("10.0.1.50"),
          [],
          directorEnv(),
        ]);
        expect(r.response?.error, `attempt ${attempt}`).toMatchObject({
          type: "Bosh::Clouds::VMCreationFailed",
          ok_to_retry: true,
        });
        expect(r.response?.error?.message).toContain(node.uuid);
        expect(r.response?.error?.message).toMatch(/deploy failed/);
        const after = await rest.node(node.uuid);
        expect(after).toMatchObject({ provision_state: "available", instance_uuid: null, maintenance: false });
        expect(after.extra["bosh"]).toBeUndefined();
      }
    } finally {
      await d.call("delete_stemcell", [stemcell]);
    }
  }, 300_000);
});
