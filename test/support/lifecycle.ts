// THE lifecycle: the demo's sequence, driven through the bundled executable exactly as the director would
// (director.ts: one process per call, `info` before each). Shared by the demo (which prints its steps as a
// table), the fault-injection test and anything else that needs "a whole BOSH deployment, start to end":
//   create_stemcell (a real gzipped tar holding root.img)
//   create_vm ×4 in parallel, manual networks: a known server by MAC with a bond, a second known server,
//     one from the spec pool, one enrolled on demand from ironic_params
//   set_vm_metadata, create_disk + attach_disk + set_disk_metadata + get_disks on the pool VM, has_vm, reboot_vm
//   recreate: detach_disk, delete_vm, create_vm with disk_cids → must land on the same server, attach_disk
//   detach_disk + delete_disk, has_disk, delete_vm (all), has_vm, delete_stemcell, and one bad request
// Each step records {call, server, duration_ms, outcome, error?}. A failed step ends the sequence; what was
// created is then deleted (cleanup steps, recorded too) so a shared Ironic is left as it was.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { boshRecord } from "../../src/selection/node-record.ts";
import { type CallResult, Director } from "./director.ts";
import type { Fleet } from "./fleet.ts";
import { MBUS_CERTIFICATE, SECRETS } from "./secrets.ts";
import { stemcellCloudProperties, writeStemcellImage } from "./stemcell-tarball.ts";

export interface LifecycleEnv {
  /** CPI configuration file for the bundled executable. */
  configPath: string;
  fleet: Fleet;
  /** Scratch directory (the stemcell image is written here). */
  workDir: string;
  /** Environment of the CPI processes (default: PATH only, as the director clears it). */
  env?: NodeJS.ProcessEnv;
}

export interface LifecycleOptions {
  /** Bytes of root.img (default 1 MiB). */
  stemcellSize?: number;
  /** Bound of one CPI process in ms (default 120 000). */
  callTimeoutMs?: number;
  /** Delete what was created after a failed step (default true). */
  cleanup?: boolean;
  onStep?: (step: LifecycleStep) => void;
  /** Awaited after every CPI call, before the next one (e.g. to inspect what the call left in the stores). */
  afterCall?: (call: string) => Promise<void>;
  /** The stemcell's api_version in the director's context (default 2; null: left out, as for v1 stemcells). */
  stemcellApiVersion?: number | null;
}

export interface LifecycleStep {
  call: string;
  /** What the step is about (vm_type, which VM). */
  detail?: string;
  /** Fleet name of the node the step touched, when there is one. */
  server: string | null;
  duration_ms: number;
  /** ok; rejected = the typed error the step expected; failed = anything else. */
  outcome: "ok" | "rejected" | "failed";
  error?: string;
}

class StepFailed extends Error {}

interface Vm {
  label: string;
  cid: string;
  agentId: string;
  cloudProperties: Record<string, unknown>;
  networks: Record<string, unknown>;
}

/** The `env` the director sends: secrets the agent needs (password hash, mbus bootstrap certificate). */
export function directorEnv(): Record<string, unknown> {
  return {
    bosh: {
      group: "lifecycle-director-demo-web",
      groups: ["lifecycle-director", "demo", "web"],
      password: SECRETS.envBoshPassword,
      mbus: { cert: { ca: MBUS_CERTIFICATE, certificate: MBUS_CERTIFICATE, private_key: SECRETS.mbusPrivateKey } },
      blobstores: [
        {
          provider: "s3",
          options: { bucket_name: "bosh", access_key_id: "AKIA-LIFECYCLE", secret_access_key: SECRETS.blobstoreSecret },
        },
      ],
    },
  };
}

export function manualNetwork(ip: string, cloudProperties: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    default: {
      type: "manual",
      ip,
      netmask: "255.255.255.0",
      gateway: "10.0.1.1",
      dns: ["10.0.0.2"],
      default: ["dns", "gateway"],
      cloud_properties: cloudProperties,
    },
  };
}

export async function runLifecycle(env: LifecycleEnv, opts: LifecycleOptions = {}): Promise<LifecycleStep[]> {
  const steps: LifecycleStep[] = [];
  const director = new Director({
    configPath: env.configPath,
    env: env.env,
    callTimeoutMs: opts.callTimeoutMs ?? 120_000,
    ...(opts.stemcellApiVersion !== undefined ? { stemcellApiVersion: opts.stemcellApiVersion } : {}),
  });
  const fleet = env.fleet;
  const created = {
    stemcell: undefined as string | undefined,
    vms: new Map<string, Vm>(),
    disks: new Set<string>(),
    attached: new Map<string, string>(),
  };

  const record = (s: LifecycleStep) => {
    steps.push(s);
    opts.onStep?.(s);
  };

  /** Runs one call; a protocol problem or an unexpected error ends the sequence. */
  async function step(
    call: string,
    args: unknown[],
    o: {
      detail?: string;
      server?: (r: CallResult) => Promise<string | null>;
      check?: (result: unknown) => string | undefined;
      expectError?: string;
      tag?: string;
    } = {},
  ): Promise<unknown> {
    let r: CallResult;
    try {
      r = await director.call(call, args);
      await opts.afterCall?.(call);
    } catch (err) {
      record({
        call: o.tag ?? call,
        ...(o.detail ? { detail: o.detail } : {}),
        server: null,
        duration_ms: 0,
        outcome: "failed",
        error: (err as Error).message,
      });
      throw new StepFailed(call);
    }
    const server = o.server ? await o.server(r).catch(() => null) : null;
    const base = { call: o.tag ?? call, ...(o.detail ? { detail: o.detail } : {}), server, duration_ms: r.duration_ms };
    const fail = (error: string) => {
      record({ ...base, outcome: "failed", error });
      throw new StepFailed(call);
    };
    if (!r.response) return fail(`protocol: ${r.protocolError}; stderr tail: ${r.run.stderr.slice(-400)}`);
    const { result, error } = r.response;
    if (o.expectError) {
      if (error?.type === o.expectError) {
        record({ ...base, outcome: "rejected", error: `${error.type}: ${error.message}` });
        return undefined;
      }
      return fail(
        `expected ${o.expectError}, got ${error ? `${error.type}: ${error.message}` : `result ${JSON.stringify(result)}`}`,
      );
    }
    if (error) return fail(`${error.type}: ${error.message}`);
    const problem = o.check?.(result);
    if (problem) return fail(problem);
    record({ ...base, outcome: "ok" });
    return result;
  }

  const vmServer = (cid: string) => async () => {
    // a VM cid is its claim (instance_uuid), never the node UUID
    const node = (await fleet.nodes()).find((n) => n.instance_uuid === cid && boshRecord(n)?.vm_cid === cid);
    return node ? fleet.nameOf(node.uuid) : null;
  };
  const diskServer = (cid: string) => async () => {
    const node = (await fleet.nodes()).find((n) =>
      Object.hasOwn((n.extra["bosh_disks"] as object | undefined) ?? {}, cid),
    );
    return node ? fleet.nameOf(node.uuid) : null;
  };

  async function createVm(
    label: string,
    cloudProperties: Record<string, unknown>,
    networks: Record<string, unknown>,
    diskCids: string[] = [],
  ): Promise<Vm> {
    const vm: Vm = { label, cid: "", agentId: randomUUID(), cloudProperties, networks };
    await step("create_vm", [vm.agentId, created.stemcell, cloudProperties, networks, diskCids, directorEnv()], {
      detail: label,
      server: async (r) => {
        const res = r.response?.result;
        vm.cid = Array.isArray(res) && typeof res[0] === "string" ? res[0] : "";
        if (!vm.cid) return null;
        created.vms.set(vm.cid, vm); // the director knows it now, even if the answer is wrong otherwise
        return vmServer(vm.cid)();
      },
      check: (res) =>
        Array.isArray(res) &&
        res.length === 2 &&
        typeof res[0] === "string" &&
        res[0] !== "" &&
        typeof res[1] === "object"
          ? undefined
          : `create_vm v2 must answer [vm_cid, networks], got ${JSON.stringify(res)}`,
    });
    return vm;
  }

  const metadata = (vm: Vm) => ({
    director: "lifecycle-director",
    deployment: "demo",
    instance_group: vm.label,
    job: vm.label,
    id: vm.agentId,
    name: `${vm.label}/${vm.agentId}`,
    index: "0",
    created_at: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  });

  try {
    // create_stemcell: the director hands over the extracted `image` file and stemcell.MF's cloud_properties
    const image = writeStemcellImage(
      join(env.workDir, `image-${randomUUID().slice(0, 8)}`),
      opts.stemcellSize ?? 1024 * 1024,
    );
    created.stemcell = (await step("create_stemcell", [image.path, stemcellCloudProperties()], {
      check: (res) =>
        typeof res === "string" && res !== ""
          ? undefined
          : `create_stemcell must answer a cid, got ${JSON.stringify(res)}`,
    })) as string;

    // four create_vm at once: parallel calls compete for servers exactly as a director's deploy does
    const [k0, k1] = fleet.known;
    const vms = await settleAll([
      createVm(
        "known-bond",
        fleet.vmTypes.knownBond,
        manualNetwork("10.0.1.10", { bond: { macs: [k0.macs[0], k0.macs[1]], mode: "active-backup" } }),
      ),
      createVm("known", fleet.vmTypes.known, manualNetwork("10.0.1.11", { mac: k1.macs[0] })),
      createVm("pool", fleet.vmTypes.pool, manualNetwork("10.0.1.12")),
      createVm("enrolled", fleet.vmTypes.enrolled, manualNetwork("10.0.1.13")),
    ]);
    const pool = vms[2]!;

    for (const vm of vms)
      await step("set_vm_metadata", [vm.cid, metadata(vm)], { detail: vm.label, server: vmServer(vm.cid) });

    // a persistent disk for the pool VM (director: create_disk → attach_disk → set_disk_metadata)
    const disk = (await step("create_disk", [10_240, fleet.diskType, pool.cid], {
      detail: "10 GiB for pool",
      check: (res) =>
        typeof res === "string" && res !== "" ? undefined : `create_disk must answer a cid, got ${JSON.stringify(res)}`,
    })) as string;
    created.disks.add(disk);
    const diskServerName = await diskServer(disk)();
    steps[steps.length - 1]!.server = diskServerName;
    await attach(pool, disk);
    await step(
      "set_disk_metadata",
      [
        disk,
        {
          director: "lifecycle-director",
          deployment: "demo",
          instance_id: pool.agentId,
          instance_index: "0",
          instance_group: "pool",
          attached_at: new Date().toISOString(),
        },
      ],
      {
        server: diskServer(disk),
      },
    );
    await step("get_disks", [pool.cid], {
      detail: "pool",
      server: vmServer(pool.cid),
      check: (res) => (sameList(res, [disk]) ? undefined : `get_disks answered ${JSON.stringify(res)}, not [${disk}]`),
    });
    await step("has_vm", [pool.cid], {
      detail: "pool",
      server: vmServer(pool.cid),
      check: (res) => (res === true ? undefined : `has_vm answered ${JSON.stringify(res)}`),
    });
    await step("reboot_vm", [pool.cid], { detail: "pool", server: vmServer(pool.cid) });

    // recreate (stemcell or vm_type change): the disk never moves, so the new VM must land where it lives
    const before = await vmServer(pool.cid)();
    await detach(pool, disk);
    await deleteVm(pool);
    const again = await createVm("pool (recreate)", pool.cloudProperties, pool.networks, [disk]);
    const after = await vmServer(again.cid)();
    if (after !== before) {
      record({
        call: "create_vm",
        detail: "recreate placement",
        server: after,
        duration_ms: 0,
        outcome: "failed",
        error: `recreated VM landed on ${after}, its disk lives on ${before}`,
      });
      throw new StepFailed("placement");
    }
    // the old VM's cid names a provisioning that is gone: it never reaches the new VM on the same server
    await step("has_vm", [pool.cid], {
      detail: "the recreated VM's old cid",
      check: (res) => (res === false ? undefined : `has_vm of the old cid answered ${JSON.stringify(res)}`),
    });
    await attach(again, disk);
    await step("get_disks", [again.cid], {
      detail: "pool (recreate)",
      server: vmServer(again.cid),
      check: (res) => (sameList(res, [disk]) ? undefined : `get_disks answered ${JSON.stringify(res)}`),
    });

    // the disk is orphaned and deleted (director: detach first, delete later)
    await detach(again, disk);
    await step("delete_disk", [disk], { server: async () => diskServerName });
    created.disks.delete(disk);
    await step("has_disk", [disk], {
      check: (res) => (res === false ? undefined : `has_disk after delete_disk answered ${JSON.stringify(res)}`),
    });

    for (const vm of [...created.vms.values()]) await deleteVm(vm);
    await step("has_vm", [again.cid], {
      detail: "deleted VM",
      check: (res) => (res === false ? undefined : `has_vm after delete_vm answered ${JSON.stringify(res)}`),
    });
    await step("delete_stemcell", [created.stemcell]);
    created.stemcell = undefined;

    // and one bad request: a CID that tries to climb out of its folder is refused before any I/O
    await step("has_vm", ["../../etc/passwd"], { detail: "bad request", expectError: "Bosh::Clouds::CpiError" });
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    if (opts.cleanup !== false) await cleanup();
  }
  return steps;

  async function attach(vm: Vm, disk: string) {
    await step("attach_disk", [vm.cid, disk], {
      detail: vm.label,
      server: diskServer(disk),
      check: (res) =>
        res !== null && res !== "" && !(typeof res === "object" && Object.keys(res as object).length === 0)
          ? undefined
          : `attach_disk v2 must answer a disk hint, got ${JSON.stringify(res)}`,
    });
    created.attached.set(disk, vm.cid);
  }

  async function detach(vm: Vm, disk: string) {
    await step("detach_disk", [vm.cid, disk], { detail: vm.label, server: diskServer(disk) });
    created.attached.delete(disk);
  }

  async function deleteVm(vm: Vm) {
    const server = await vmServer(vm.cid)();
    await step("delete_vm", [vm.cid], { detail: vm.label, server: async () => server });
    created.vms.delete(vm.cid);
  }

  /** After a failure: what the director would eventually delete. Failures are recorded, not thrown. */
  async function cleanup() {
    const attempt = async (call: string, args: unknown[], detail: string) => {
      try {
        await step(call, args, { detail, tag: `cleanup ${call}` });
      } catch (err) {
        if (!(err instanceof StepFailed)) throw err;
      }
    };
    for (const [disk, vm] of created.attached) await attempt("detach_disk", [vm, disk], disk);
    for (const vm of created.vms.values()) await attempt("delete_vm", [vm.cid], vm.label);
    for (const disk of created.disks) await attempt("delete_disk", [disk], disk);
    if (created.stemcell) await attempt("delete_stemcell", [created.stemcell], created.stemcell);
  }
}

/** Like Promise.all, but waits for every promise before rethrowing the first failure. */
async function settleAll<T>(ps: Promise<T>[]): Promise<T[]> {
  const rs = await Promise.allSettled(ps);
  const bad = rs.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (bad) throw bad.reason;
  return rs.map((r) => (r as PromiseFulfilledResult<T>).value);
}

function sameList(res: unknown, want: string[]): boolean {
  return Array.isArray(res) && res.length === want.length && want.every((w) => res.includes(w));
}

/** "call detail → outcome" lines, for test failure messages and logs. */
export function describeSteps(steps: readonly LifecycleStep[]): string {
  return steps
    .map(
      (s) =>
        `${s.outcome.padEnd(8)} ${s.call}${s.detail ? ` (${s.detail})` : ""} ${s.server ?? "-"} ${s.duration_ms} ms${s.error ? ` — ${s.error}` : ""}`,
    )
    .join("\n");
}
