// Crash consistency: the bundled CPI is SIGKILLed at random points of create_stemcell, create_vm,
// delete_vm, create_disk and attach_disk — 50 times each, 10 at a time — and the test then carries on as
// the director would: it retries the same call, deletes what it knows, checks with has_vm/has_disk/get_disks,
// makes later create_vm calls, and finally runs `reconcile` for the claims of calls that died. Afterwards:
// 0 nodes claimed without a VM the director knows, 0 persistent disks lost, 0 partial stemcells in the store.
// Each kill comes a seeded delay after Ironic first answered the call (its GET /), and each method must
// show that its kills landed mid-call: after that first answer, before the CPI's own (expectMidCallKills).
// Counting from the spawn instead, as this test once did, left it to Node's start-up: on this 2-core machine
// shared with other runs that took up to 4 s, and all but 5 of the 250 kills came before the CPI had
// reached Ironic. The killed calls go through proxies of their own: one per lane in front of Ironic, whose
// one call in flight shows when Ironic first answered it, and one in front of the store; both add a fixed
// latency (LATENCY_MS) as a remote Ironic and store would, so that create_stemcell, create_disk and
// attach_disk, like create_vm and delete_vm with Ironic's 1 s fake deploy delay, stay in flight long enough
// for the kills to land inside them (IN_FLIGHT_FLOOR_MS).
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startIronic, type IronicServer } from "../harness/ironic.ts";
import { boshRecord } from "../../src/selection/node-record.ts";
import { runCpi } from "../support/cpi-process.ts";
import { type CallResult, Director } from "../support/director.ts";
import { type FaultProxy, type ProxiedRequest, prng, startFaultProxy } from "../support/fault-proxy.ts";
import { type Fleet, buildFleet } from "../support/fleet.ts";
import { directorEnv, manualNetwork } from "../support/lifecycle.ts";
import { type LifecycleServers, lifecycleConfig, prepareStore, writeConfig } from "../support/lifecycle-config.ts";
import { webdav } from "../support/servers.ts";
import { stemcellFolders } from "../support/store-listing.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";

const LANES = 10;
const ROUNDS = 5; // × LANES = 50 kills per method
/** Each kill comes a seeded delay after Ironic's first answer to the call, uniform over [0, window). */
const KILL_WINDOW_MS = {
  create_stemcell: 1500,
  create_vm: 4500,
  delete_vm: 4000,
  create_disk: 1500,
  attach_disk: 1200,
};
type Killed = keyof typeof KILL_WINDOW_MS;
/** Added by the killed calls' proxies to every Ironic request but the first (GET /) and every store request. */
const LATENCY_MS = 150;
/**
 * How long a killed call surely stays in flight after Ironic's first answer, so a kill with a shorter delay
 * lands mid-call: the seeded delays below these floors (with this seed 11, 19, 17, 18 and 16 of each
 * method's 50, in the order below) are the mid-call kills each method must show at least.
 *   create_stemcell  the store's stat (sent beside GET /), the image PUT, its stat, the record PUT: 3 latencies
 *   create_vm        Ironic's fake deploy interface sleeps the deploy delay (1 s) in prepare and in deploy
 *   delete_vm        and in tear_down and clean_up (every killed delete_vm undeploys a VM just made)
 *   create_disk      the VM's node (listed by its claim), the record PATCH, the re-read of the device race
 *   attach_disk      the disk's node (GET), the record PATCH
 */
const IN_FLIGHT_FLOOR_MS: Record<Killed, number> = {
  create_stemcell: 3 * LATENCY_MS,
  create_vm: 2000,
  delete_vm: 2000,
  create_disk: 3 * LATENCY_MS,
  attach_disk: 2 * LATENCY_MS,
};
const DEPLOY_TIMEOUT_S = 8;
// Past this a `created` VM no director acknowledged (set_vm_metadata) is released as unknown, so it must
// exceed the gap between a create_vm answer and the director's set_vm_metadata on a loaded machine.
const STALE_MARGIN_S = 20;
const random = prng(20261121);
const killAt = (maxMs: number) => Math.floor(random() * maxMs);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lanes = <T>(fn: (lane: number) => Promise<T>) => Promise.all(Array.from({ length: LANES }, (_, i) => fn(i)));

let ironic: IronicServer;
let fleet: Fleet;
let work: string;
let servers: LifecycleServers;
let director: Director;
let configPath: string;
/** Per lane: its own proxy in front of Ironic and a director whose configuration goes through it. */
let laneRoutes: { proxy: FaultProxy; director: Director }[] = [];
/** The killed calls' way to the store (one for all lanes: it only adds the latency). */
let storeProxy: FaultProxy | undefined;
let stemcell: string;
let ip = 0;
const nextNetwork = () => manualNetwork(`10.0.${2 + Math.floor(ip / 250)}.${(ip++ % 250) + 2}`);

/** What the director knows: it learnt these from answers. */
const known = { vms: new Set<string>(), disks: new Set<string>(), stemcells: new Set<string>() };
const figures = new Map<
  Killed,
  {
    kills: number;
    killed: number;
    finishedFirst: number;
    /** killed after Ironic's first answer, before the CPI wrote its own */
    midCall: number;
    /** of those, the CPI had logged an Ironic answer (its own account of being at work) */
    midCallLogged: number;
    /** kills whose delay was below the method's in-flight floor: each must have landed mid-call */
    belowFloor: number;
    /** ms from Ironic's first answer to the CPI's exit (calls that answered before their kill) */
    inFlightMs: number[];
  }
>();
/** Broken invariants and follow-ups that must succeed; reset for each test. */
let problems: string[] = [];
/** create_vm failures the director saw during follow-ups (it retried or redeployed). */
const directorSaw: string[] = [];
/** Servers still claimed without a VM the director knows after reconcile (the final check). */
let leaked: number | undefined;

/**
 * ironic/transport.ts logs every answered Ironic request at debug (the CPI's default level) with a
 * synchronous write to stderr, so such a line is on the pipe before any later kill.
 */
const IRONIC_ANSWERED = '"msg":"ironic request"';

/**
 * Calls `method` on `lane` and SIGKILLs it `delayMs` after Ironic first answered it (seen on the lane's
 * proxy: only this call uses it meanwhile; `info`, sent first, never reaches Ironic).
 */
async function killedCall(lane: number, method: Killed, args: unknown[], delayMs: number): Promise<CallResult> {
  const { proxy, director: d } = laneRoutes[lane]!;
  const from = proxy.requests.length;
  let answeredAt: number | undefined;
  let fired = false;
  let poll: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  const killWhen = new Promise<void>((resolve) => {
    poll = setInterval(() => {
      for (let i = from; i < proxy.requests.length; i++) {
        if (proxy.requests[i]!.status === undefined) continue;
        clearInterval(poll);
        answeredAt = Date.now();
        timer = setTimeout(() => {
          fired = true;
          resolve();
        }, delayMs);
        return;
      }
    }, 2);
  });
  try {
    const r = await d.call(method, args, { killWhen });
    const inFlight = answeredAt === undefined ? undefined : Date.now() - answeredAt;
    tally(method, r, { delayMs, fired, inFlight });
    return r;
  } finally {
    clearInterval(poll);
    clearTimeout(timer);
  }
}

function tally(method: Killed, r: CallResult, k: { delayMs: number; fired: boolean; inFlight?: number }): void {
  const f = figures.get(method) ?? {
    kills: 0,
    killed: 0,
    finishedFirst: 0,
    midCall: 0,
    midCallLogged: 0,
    belowFloor: 0,
    inFlightMs: [],
  };
  f.kills++;
  const killed = r.run.signal === "SIGKILL";
  if (killed) f.killed++;
  else f.finishedFirst++;
  // our timer killed it (so after Ironic's first answer) and it had not answered
  if (killed && k.fired && r.run.stdout.trim() === "") {
    f.midCall++;
    if (r.run.stderr.includes(IRONIC_ANSWERED)) f.midCallLogged++;
  }
  if (k.delayMs < IN_FLIGHT_FLOOR_MS[method]) f.belowFloor++;
  if (!killed && k.inFlight !== undefined) f.inFlightMs.push(k.inFlight);
  figures.set(method, f);
  if (!killed && !r.response) problems.push(`${method}: neither killed nor answered: ${r.protocolError}`);
}

/**
 * Every kill whose seeded delay fell below the method's in-flight floor must have landed mid-call: fewer
 * means calls answered sooner than the floor says (or the kills missed), and the test no longer kills where
 * it claims to. The test's last assertion, after the invariants.
 */
function expectMidCallKills(method: Killed): void {
  const f = figures.get(method)!;
  expect(f.belowFloor, `${method}: no seeded delay fell below its in-flight floor`).toBeGreaterThan(0);
  expect(
    f.midCall,
    `${method}: ${f.midCall} of ${f.kills} kills landed mid-call; ${f.belowFloor} delays were below the ` +
      `${IN_FLIGHT_FLOOR_MS[method]} ms the call surely stays in flight`,
  ).toBeGreaterThanOrEqual(f.belowFloor);
}

/**
 * A call that must succeed (the director's follow-ups); records the problem otherwise. Without the `info`
 * the director sends first: info changes nothing, and halving the process starts keeps the run short.
 */
async function must(method: string, args: unknown[], what: string): Promise<unknown> {
  const r = await director.call(method, args, { skipInfo: true });
  if (!r.response || r.response.error) {
    problems.push(
      `${what}: ${method} → ${r.protocolError ?? `${r.response?.error?.type}: ${r.response?.error?.message}`}`,
    );
    return undefined;
  }
  return r.response.result;
}

/** What the director does right after every create_vm answer (VmMetadataUpdater; create-env does too). */
async function acknowledge(vm: string): Promise<string> {
  await must(
    "set_vm_metadata",
    [vm, { director: "crash", deployment: "crash", name: `crash/${vm}`, index: "0" }],
    "set_vm_metadata after create_vm",
  );
  return vm;
}

/**
 * create_vm as the director runs it: VMCreationFailed with ok_to_retry is retried with the same arguments
 * (director.max_vm_create_tries, 5); any other failure ends that deploy, and the next deploy asks again
 * with a new agent_id. Failures the director saw are counted, not fatal: the invariants are what matter.
 */
async function createVmAsDirector(args: unknown[], what: string): Promise<string | undefined> {
  let call = [...args];
  for (let attempt = 1; attempt <= 5; attempt++) {
    const r = await director.call("create_vm", call, { skipInfo: true });
    const result = r.response?.result;
    if (r.response && !r.response.error && Array.isArray(result)) return acknowledge(result[0] as string);
    const err = r.response?.error;
    directorSaw.push(
      `${what}: ${err ? `${err.type} (ok_to_retry ${err.ok_to_retry}): ${err.message}` : r.protocolError}`,
    );
    if (!err?.ok_to_retry) call = [randomUUID(), ...call.slice(1)];
  }
  problems.push(`${what}: no VM after 5 create_vm calls`);
  return undefined;
}

/** Nodes held by a BOSH record or an instance_uuid whose VM (its cid is the claim) the director does not know. */
async function claimedWithoutKnownVm(): Promise<string[]> {
  return (await fleet.nodes())
    .filter((n) => (n.instance_uuid || n.extra["bosh"]) && !known.vms.has(n.instance_uuid ?? ""))
    .map(
      (n) => `${n.name}: ${n.provision_state}, instance_uuid ${n.instance_uuid}, phase ${boshRecord(n)?.phase ?? "-"}`,
    );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cpi-crash-"));
  ironic = await startIronic({ fakeDeployDelay: 1, powerSyncInterval: 60 });
  // Killed create_vm calls with a new agent_id hold their server until the stale margin passes.
  fleet = await buildFleet(ironic.url, { poolSize: 40, diskDevices: 12 });
  servers = { ironicUrl: ironic.url, webdav: webdav(), storeFolder: `crash-${fleet.id}` };
  await prepareStore(servers);
  configPath = writeConfig(
    work,
    lifecycleConfig(servers, { ironic: { deploy_timeout: DEPLOY_TIMEOUT_S, stale_claim_margin: STALE_MARGIN_S } }),
  );
  director = new Director({ configPath, callTimeoutMs: 180_000 });
  const store = new URL(webdav().url);
  storeProxy = await startFaultProxy({ upstream: store.origin, rate: 1, kinds: { delay: 1 }, delayMs: LATENCY_MS });
  const slowStore = { ...webdav(), url: `${storeProxy.url}${store.pathname}` };
  laneRoutes = await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      const proxy = await startFaultProxy({
        upstream: ironic.url,
        rate: 1,
        kinds: { delay: 1 },
        delayMs: LATENCY_MS,
        eligible: (r) => r.path !== "/", // GET /: Ironic's first answer, from which the kill delay counts
      });
      const overrides = { ironic: { deploy_timeout: DEPLOY_TIMEOUT_S, stale_claim_margin: STALE_MARGIN_S } };
      const config = lifecycleConfig({ ...servers, ironicUrl: proxy.url, webdav: slowStore }, overrides);
      return {
        proxy,
        director: new Director({ configPath: writeConfig(work, config, `lane-${lane}.json`), callTimeoutMs: 180_000 }),
      };
    }),
  );
}, 300_000);

afterAll(async () => {
  const spread = (ms: number[]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    return sorted.length ? `${sorted[0]}/${sorted[sorted.length >> 1]}/${sorted.at(-1)} ms` : "-";
  };
  const rows = [...figures].map(
    ([m, f]) =>
      `${m} ${f.kills} kills (${f.killed} killed, ${f.midCall} mid-call of which ${f.midCallLogged} after the ` +
      `CPI logged an Ironic answer, ${f.belowFloor} delays below the ${IN_FLIGHT_FLOOR_MS[m]} ms floor; ` +
      `${f.finishedFirst} answered first, in flight min/median/max ${spread(f.inFlightMs)})`,
  );
  process.stdout.write(`\ncrash: ${rows.join("; ")}\n`);
  process.stdout.write(
    `crash: ${directorSaw.length} create_vm failures the director saw in follow-ups (it retried or redeployed)\n`,
  );
  const kills = [...figures.values()].reduce((n, f) => n + f.kills, 0);
  process.stdout.write(`crash: ${leaked ?? "(not checked)"} servers leaked over all ${kills} kills\n`);
  for (const f of directorSaw.slice(0, 10)) process.stdout.write(`  ${f.slice(0, 300)}\n`);
  await Promise.all([...laneRoutes.map((l) => l.proxy.close()), storeProxy?.close()]);
  await fleet?.destroy().catch(() => undefined);
  await ironic?.stop();
});

describe("SIGKILL at random points, then carry on as the director would", () => {
  beforeEach(() => {
    problems = [];
  });

  test("create_stemcell: a retry stores it; no partial stemcell is left", async () => {
    const image = writeStemcellImage(join(work, "image"), 8 * 1024 * 1024).path;
    for (let round = 0; round < ROUNDS; round++) {
      await lanes(async (lane) => {
        const args = [image, stemcellCloudProperties()];
        const r = await killedCall(lane, "create_stemcell", args, killAt(KILL_WINDOW_MS.create_stemcell));
        const killed = r.run.signal === "SIGKILL";
        if (!killed && r.response && !r.response.error) known.stemcells.add(r.response.result as string);
        if (killed || r.response?.error) {
          const cid = await must("create_stemcell", [image, stemcellCloudProperties()], "retried create_stemcell");
          if (typeof cid === "string") known.stemcells.add(cid);
        }
      });
    }
    stemcell = [...known.stemcells][0] ?? "";
    // what the killed calls left is swept by later stemcell calls once older than the stale margin
    await sleep((STALE_MARGIN_S + 1) * 1000);
    for (const cid of [...known.stemcells].slice(1)) {
      await must("delete_stemcell", [cid], "delete_stemcell");
      known.stemcells.delete(cid);
    }
    const folders = stemcellFolders(webdav().dataDir, servers.storeFolder);
    const partial = folders.filter((f) => !f.complete).map((f) => `${f.cid}: ${f.files.join(", ") || "(empty)"}`);
    const orphans = folders.filter((f) => f.complete && !known.stemcells.has(f.cid)).length;
    process.stdout.write(
      `\ncrash: create_stemcell left ${partial.length} partial and ${orphans} complete-but-unknown stemcells\n`,
    );
    expect(problems).toEqual([]);
    expect(partial).toEqual([]);
    expectMidCallKills("create_stemcell");
  }, 600_000);

  test("create_vm: retried or replaced by a later create_vm; stale claims are released", async () => {
    expect(stemcell).toBeTruthy();
    for (let round = 0; round < ROUNDS; round++) {
      const made = await lanes(async (lane) => {
        const agent = randomUUID();
        const args = (a: string) => [a, stemcell, fleet.vmTypes.pool, nextNetwork(), [], directorEnv()];
        const r = await killedCall(lane, "create_vm", args(agent), killAt(KILL_WINDOW_MS.create_vm));
        const killed = r.run.signal === "SIGKILL";
        const ok = !killed && r.response && !r.response.error;
        if (ok) return acknowledge((r.response!.result as [string])[0]!);
        // the director learnt nothing: it retries the same call, or a later deploy asks for a new VM
        return createVmAsDirector(args(lane % 2 === 0 ? agent : randomUUID()), "follow-up create_vm");
      });
      for (const vm of made) if (vm) known.vms.add(vm);
      // the director deletes what it knows (a recreate, a scale-down); the dead calls' claims stay behind
      await Promise.all(
        [...known.vms].map(async (vm) => {
          await must("delete_vm", [vm], "delete_vm of a known VM");
          known.vms.delete(vm);
        }),
      );
    }
    expect(problems).toEqual([]);
    expectMidCallKills("create_vm");
  }, 900_000);

  test("delete_vm: the director's retry finishes the deletion; has_vm is false; the node is released", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const vms = await lanes(async () => {
        return createVmAsDirector(
          [randomUUID(), stemcell, fleet.vmTypes.pool, nextNetwork(), [], directorEnv()],
          "create_vm for delete_vm",
        );
      });
      await Promise.all(
        vms.map(async (vm, lane) => {
          if (!vm) return;
          known.vms.add(vm);
          const nodeUuid = (await fleet.ironic.vmNode(vm)).uuid;
          const r = await killedCall(lane, "delete_vm", [vm], killAt(KILL_WINDOW_MS.delete_vm));
          const killed = r.run.signal === "SIGKILL";
          if (killed || r.response?.error) {
            const again = await director.call("delete_vm", [vm], { skipInfo: true });
            const err = again.response?.error;
            if (!again.response || (err && err.type !== "Bosh::Clouds::VMNotFound"))
              problems.push(`retried delete_vm ${vm}: ${again.protocolError ?? `${err?.type}: ${err?.message}`}`);
          }
          known.vms.delete(vm);
          if ((await must("has_vm", [vm], "has_vm after delete_vm")) !== false)
            problems.push(`has_vm ${vm} is not false after delete_vm`);
          const node = await fleet.ironic.node(nodeUuid);
          if (node.instance_uuid || node.extra["bosh"])
            problems.push(
              `node ${node.name} still claimed after delete_vm: ${node.provision_state} ${node.instance_uuid}`,
            );
        }),
      );
    }
    expect(problems).toEqual([]);
    expectMidCallKills("delete_vm");
  }, 900_000);

  describe("persistent disks", () => {
    const vms: string[] = [];
    const longLived = new Map<string, string>(); // vm → a disk attached all along

    beforeAll(async () => {
      const made = await lanes(async () => {
        return createVmAsDirector(
          [randomUUID(), stemcell, fleet.vmTypes.pool, nextNetwork(), [], directorEnv()],
          "create_vm for disks",
        );
      });
      vms.push(...made.filter((vm): vm is string => !!vm));
      await Promise.all(
        vms.map(async (vm) => {
          known.vms.add(vm);
          const disk = (await must("create_disk", [1024, fleet.diskType, vm], "long-lived create_disk")) as string;
          await must("attach_disk", [vm, disk], "long-lived attach_disk");
          known.disks.add(disk);
          longLived.set(vm, disk);
        }),
      );
      expect(vms).toHaveLength(LANES);
    }, 300_000);

    test("create_disk: a retry gets a disk; nothing the director knows is lost", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(
          vms.map(async (vm, lane) => {
            const args = [2048, fleet.diskType, vm];
            const r = await killedCall(lane, "create_disk", args, killAt(KILL_WINDOW_MS.create_disk));
            const killed = r.run.signal === "SIGKILL";
            let disk = !killed && r.response && !r.response.error ? (r.response.result as string) : undefined;
            disk ??= (await must("create_disk", [2048, fleet.diskType, vm], "retried create_disk")) as
              | string
              | undefined;
            if (!disk) return;
            known.disks.add(disk);
            if ((await must("has_disk", [disk], "has_disk of the new disk")) !== true)
              problems.push(`new disk ${disk} not found`);
            // the director orphans and later deletes a disk it does not attach
            await must("delete_disk", [disk], "delete_disk");
            known.disks.delete(disk);
          }),
        );
      }
      expect(problems).toEqual([]);
      expectMidCallKills("create_disk");
    }, 600_000);

    test("attach_disk: a retry attaches; the disk and the long-lived one stay", async () => {
      const extra = new Map<string, string>();
      await Promise.all(
        vms.map(async (vm) => {
          const disk = (await must("create_disk", [2048, fleet.diskType, vm], "create_disk to attach")) as string;
          known.disks.add(disk);
          extra.set(vm, disk);
        }),
      );
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(
          vms.map(async (vm, lane) => {
            const disk = extra.get(vm)!;
            const r = await killedCall(lane, "attach_disk", [vm, disk], killAt(KILL_WINDOW_MS.attach_disk));
            const killed = r.run.signal === "SIGKILL";
            if (killed || r.response?.error) await must("attach_disk", [vm, disk], "retried attach_disk");
            const attached = (await must("get_disks", [vm], "get_disks")) as string[] | undefined;
            if (!attached?.includes(disk) || !attached.includes(longLived.get(vm)!))
              problems.push(`get_disks ${vm} after attach: ${JSON.stringify(attached)}`);
            await must("detach_disk", [vm, disk], "detach_disk");
          }),
        );
      }
      await Promise.all(
        [...extra].map(async ([vm, disk]) => {
          if ((await must("has_disk", [disk], "has_disk")) !== true) problems.push(`disk ${disk} of ${vm} lost`);
          await must("delete_disk", [disk], "delete_disk");
          known.disks.delete(disk);
        }),
      );
      expect(problems).toEqual([]);
      expectMidCallKills("attach_disk");
    }, 600_000);

    test("0 persistent disks lost: every disk the director knows is there, attached where it was", async () => {
      const seen = await Promise.all(
        [...longLived].map(async ([vm, disk]) => [
          await must("has_disk", [disk], "has_disk"),
          await must("get_disks", [vm], "get_disks"),
        ]),
      );
      expect(seen).toEqual([...longLived.values()].map((disk) => [true, [disk]]));
      const orphans = (await fleet.nodes()).flatMap((n) =>
        Object.entries((n.extra["bosh_disks"] as Record<string, { state?: string }> | undefined) ?? {})
          .filter(([cid, rec]) => (rec.state ?? "live") === "live" && !known.disks.has(cid))
          .map(([cid]) => `${n.name}: ${cid}`),
      );
      process.stdout.write(
        `\ncrash: ${known.disks.size} known disks all present; ${orphans.length} disk records the director never learnt (calls killed after the record was written)\n`,
      );
      await Promise.all(
        [...longLived].map(async ([vm, disk]) => {
          await must("detach_disk", [vm, disk], "final detach_disk");
          await must("delete_disk", [disk], "final delete_disk");
          known.disks.delete(disk);
          await must("delete_vm", [vm], "final delete_vm");
          known.vms.delete(vm);
        }),
      );
      expect(problems).toEqual([]);
    }, 600_000);
  });

  test("after reconcile: 0 nodes claimed without a VM the director knows", async () => {
    const before = await claimedWithoutKnownVm();
    // the dead calls' claims become stale after deploy_timeout + stale_claim_margin
    await sleep((DEPLOY_TIMEOUT_S + STALE_MARGIN_S + 2) * 1000);
    const run = await runCpi("", { args: ["reconcile", "--config", configPath], env: { PATH: process.env.PATH } });
    const report = JSON.parse(run.stdout) as { ok: boolean; stale: unknown[] };
    const after = await claimedWithoutKnownVm();
    leaked = after.length;
    process.stdout.write(
      `\ncrash: ${before.length} nodes claimed without a known VM before reconcile, ${report.stale.length} released by it, ${after.length} left\n`,
    );
    expect(report.ok, run.stdout).toBe(true);
    expect(after).toEqual([]);
    expect(known.vms.size).toBe(0);
    await must("delete_stemcell", [stemcell], "final delete_stemcell");
    expect(stemcellFolders(webdav().dataDir, servers.storeFolder).filter((f) => !f.complete)).toEqual([]);
    expect(problems).toEqual([]);
  }, 300_000);
});

describe("a kill right after a write, pinned by a proxy", () => {
  /** Resolves once the proxy has passed on the upstream's answer to a request matching `match`. */
  function answered(proxy: FaultProxy, from: number, match: (r: ProxiedRequest) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        if (proxy.requests.slice(from).some((r) => match(r) && r.status !== undefined)) {
          clearInterval(poll);
          resolve();
        }
      }, 2);
    });
  }

  test("create_disk killed after its record PATCH: the director never learns the disk; its server must not be lost", async () => {
    const proxy = await startFaultProxy({ upstream: ironic.url });
    try {
      const d = new Director({
        configPath: writeConfig(
          work,
          lifecycleConfig(
            { ...servers, ironicUrl: proxy.url },
            { ironic: { deploy_timeout: DEPLOY_TIMEOUT_S, stale_claim_margin: STALE_MARGIN_S } },
          ),
          "pinned.json",
        ),
        callTimeoutMs: 120_000,
      });
      const image = writeStemcellImage(join(work, "pinned-image"), 64 * 1024).path;
      const sc = (await d.call("create_stemcell", [image, stemcellCloudProperties()])).response?.result as string;
      const created = await d.call("create_vm", [
        randomUUID(),
        sc,
        fleet.vmTypes.pool,
        nextNetwork(),
        [],
        directorEnv(),
      ]);
      const [vm] = created.response!.result as [string];
      const nodeUuid = (await fleet.ironic.vmNode(vm)).uuid;
      const from = proxy.requests.length;
      const killed = await d.call("create_disk", [2048, fleet.diskType, vm], {
        killWhen: answered(proxy, from, (r) => r.method === "PATCH" && r.path === `/v1/nodes/${nodeUuid}`),
      });
      expect(killed.run.signal).toBe("SIGKILL");
      // the director carries on: a new create_disk, attach, later the VM and the disk go away
      const disk = (await d.call("create_disk", [2048, fleet.diskType, vm])).response?.result as string;
      expect((await d.call("attach_disk", [vm, disk])).response?.error).toBeNull();
      expect((await d.call("detach_disk", [vm, disk])).response?.error).toBeNull();
      expect((await d.call("delete_disk", [disk])).response?.error).toBeNull();
      expect((await d.call("delete_vm", [vm])).response?.error).toBeNull();
      expect((await d.call("delete_stemcell", [sc])).response?.error).toBeNull();
      await sleep((STALE_MARGIN_S + 1) * 1000); // reconcile deletes disk records never attached past the margin
      await runCpi("", { args: ["reconcile", "--config", configPath], env: { PATH: process.env.PATH } });
      const node = await fleet.ironic.node(nodeUuid);
      const held = Object.entries(
        (node.extra["bosh_disks"] as Record<string, { state?: string }> | undefined) ?? {},
      ).filter(([, r]) => (r.state ?? "live") === "live");
      // a live record keeps the server for "the VM that names this disk" — a VM that will never exist
      expect(
        held.map(([cid]) => cid),
        `server ${node.name} held by a disk nobody knows`,
      ).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 300_000);
});
