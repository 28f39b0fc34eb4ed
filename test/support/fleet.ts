// A fleet of fake servers enrolled in a real Ironic in the shapes an operator would have them:
//   known[0..1]  servers the vm_type names by MAC (known[0] has two NICs for a bond)
//   pool[..]     a spec pool: properties + resource_class + trait (and one decoy with too few CPUs)
//   enroll       a server Ironic does not know yet: create_vm enrolls it from the vm_type's ironic_params
// Every node gets its ports, a power state (fake-hardware leaves it null until set, and allocations skip
// such nodes), goes manage → provide to `available`, and declares its persistent-disk devices the way
// the disks service reads them (src/devices/node-devices.ts: properties.bosh_persistent_devices), and
// its ephemeral disk (properties.bosh_ephemeral_device).
// Names, MACs, resource class and trait are unique per fleet, so fleets share one Ironic without meeting.
import { randomBytes } from "node:crypto";
import { nextConductorGroup, someConductorGroup } from "./ironic-fixtures.ts";
import { type IronicNodeDoc, IronicRest } from "./ironic-rest.ts";
import { retryDatabaseLocked } from "./sqlite-locked.ts";
import { SECRETS } from "./secrets.ts";

export interface FleetServer {
  name: string;
  uuid: string;
  macs: string[];
}

export interface EnrollSpec {
  name: string;
  macs: string[];
  /** vm_type cloud_properties.ironic_params */
  ironicParams: Record<string, unknown>;
}

export interface Fleet {
  id: string;
  ironic: IronicRest;
  known: [FleetServer, FleetServer];
  /** Servers that match the pool's vm_type (the decoy is not among them). */
  pool: FleetServer[];
  /** A pool-class node with too few CPUs: selection must never take it. */
  decoy: FleetServer;
  enroll: EnrollSpec;
  resourceClass: string;
  trait: string;
  /** vm_type cloud_properties for each kind of server. */
  vmTypes: {
    knownBond: Record<string, unknown>;
    known: Record<string, unknown>;
    pool: Record<string, unknown>;
    enrolled: Record<string, unknown>;
  };
  /** disk_type cloud_properties matching the declared devices. */
  diskType: Record<string, unknown>;
  /** Every node of this fleet in Ironic now (the enrolled one once create_vm made it). */
  nodes(): Promise<IronicNodeDoc[]>;
  /** The fleet name of a node UUID, or the UUID when it is not ours. */
  nameOf(uuid: string): string;
  /** Deletes every node of the fleet (maintenance first, so even active ones go). */
  destroy(): Promise<void>;
}

export interface FleetOptions {
  /** Matching pool servers (default 2). */
  poolSize?: number;
  /** Persistent-disk devices declared on each server (default 2 of 100 GiB). */
  diskDevices?: number;
  /** Name prefix (default fleet-<random>). */
  id?: string;
}

const POOL_PROPERTIES = { cpus: 32, memory_mb: 262144, local_gb: 900, cpu_arch: "x86_64" };
const DECOY_PROPERTIES = { cpus: 4, memory_mb: 262144, local_gb: 900, cpu_arch: "x86_64" };
const DISK_SIZE_GB = 100;
export const EPHEMERAL_DEVICE = "/dev/disk/by-path/pci-0000:00:1f.2-ata-9";

/** Stable /dev/disk/by-path hints of a server's data disks (the agent follows symlinks). */
export function diskDevicePaths(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `/dev/disk/by-path/pci-0000:18:00.0-scsi-0:0:${i + 1}:0`);
}

function macFor(id: number[], server: number, nic: number): string {
  return [0x52, 0x54, id[0]!, id[1]!, server, nic].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

async function enrollNode(
  ironic: IronicRest,
  body: Record<string, unknown>,
  macs: string[],
  traits: string[],
): Promise<FleetServer> {
  const group = nextConductorGroup(); // the distributed shape has no conductor for the group ""
  const node = await ironic.call<IronicNodeDoc>("POST", "/v1/nodes", {
    driver: "fake-hardware",
    ...(group !== undefined ? { conductor_group: group } : {}),
    ...body,
  });
  for (const [i, mac] of macs.entries()) {
    await ironic.call("POST", "/v1/ports", { node_uuid: node.uuid, address: mac, pxe_enabled: i === 0 });
  }
  if (traits.length > 0)
    await retryDatabaseLocked(() => ironic.call("PUT", `/v1/nodes/${node.uuid}/traits`, { traits }));
  await ironic.power(node.uuid, "power off");
  await ironic.provision(node.uuid, "manage", ["manageable"]);
  await ironic.provision(node.uuid, "provide", ["available"]);
  return { name: String(body["name"]), uuid: node.uuid, macs };
}

export async function buildFleet(ironicUrl: string, opts: FleetOptions = {}): Promise<Fleet> {
  const ironic = new IronicRest(ironicUrl);
  const idBytes = [...randomBytes(2)];
  const id = opts.id ?? `fleet-${Buffer.from(idBytes).toString("hex")}`;
  const resourceClass = `bosh-${id}`;
  const trait = `CUSTOM_BOSH_${id.replace(/[^A-Za-z0-9]/g, "_").toUpperCase()}`;
  const devices = diskDevicePaths(opts.diskDevices ?? 2);
  const properties = (base: Record<string, unknown>) => ({
    ...base,
    bosh_persistent_devices: devices.map((device) => ({ device, size_gb: DISK_SIZE_GB })),
    // the agent's ephemeral disk, as an operator declares it per server (devices/ephemeral.ts)
    bosh_ephemeral_device: EPHEMERAL_DEVICE,
  });
  const bmc = (password: string, n: number) => ({
    ipmi_address: `10.99.0.${n}`,
    ipmi_username: "admin",
    ipmi_password: password,
  });

  const made: FleetServer[] = [];
  const names = new Map<string, string>();
  const enrolled = async (body: Record<string, unknown>, macs: string[], traits: string[] = []) => {
    const s = await enrollNode(ironic, body, macs, traits);
    made.push(s);
    names.set(s.uuid, s.name);
    return s;
  };

  try {
    const known0 = await enrolled(
      { name: `${id}-known-0`, driver_info: bmc(SECRETS.bmcPasswordKnown, 1), properties: properties(POOL_PROPERTIES) },
      [macFor(idBytes, 1, 1), macFor(idBytes, 1, 2)],
    );
    const known1 = await enrolled(
      { name: `${id}-known-1`, driver_info: bmc(SECRETS.bmcPasswordKnown, 2), properties: properties(POOL_PROPERTIES) },
      [macFor(idBytes, 2, 1)],
    );
    const pool: FleetServer[] = [];
    for (let i = 0; i < (opts.poolSize ?? 2); i++) {
      pool.push(
        await enrolled(
          {
            name: `${id}-pool-${i}`,
            resource_class: resourceClass,
            driver_info: bmc(SECRETS.bmcPasswordPool, 10 + i),
            properties: properties(POOL_PROPERTIES),
          },
          [macFor(idBytes, 10 + i, 1), macFor(idBytes, 10 + i, 2)],
          [trait],
        ),
      );
    }
    const decoy = await enrolled(
      {
        name: `${id}-decoy`,
        resource_class: resourceClass,
        driver_info: bmc(SECRETS.bmcPasswordPool, 9),
        properties: properties(DECOY_PROPERTIES),
      },
      [macFor(idBytes, 9, 1)],
      [trait],
    );
    const enroll: EnrollSpec = {
      name: `${id}-enrolled`,
      macs: [macFor(idBytes, 20, 1), macFor(idBytes, 20, 2)],
      ironicParams: {
        driver: "fake-hardware",
        name: `${id}-enrolled`,
        driver_info: bmc(SECRETS.bmcPasswordEnroll, 20),
        properties: properties(POOL_PROPERTIES),
        resource_class: `${resourceClass}-enrolled`,
      },
    };
    const fleet: Fleet = {
      id,
      ironic,
      known: [known0, known1],
      pool,
      decoy,
      enroll,
      resourceClass,
      trait,
      vmTypes: {
        knownBond: { macs: [known0.macs[0]] },
        known: { macs: [known1.macs[0]] },
        pool: { resource_class: resourceClass, traits: [trait], ironic_properties: { cpus: 16, memory_mb: 131072 } },
        // as its AZ would: the distributed shape has no conductor for the group ""
        enrolled: {
          macs: enroll.macs,
          ironic_params: enroll.ironicParams,
          ...(someConductorGroup() ? { conductor_group: someConductorGroup() } : {}),
        },
      },
      diskType: {},
      async nodes() {
        const mine = (await ironic.nodes()).filter((n) => n.name?.startsWith(`${id}-`));
        // the enrolled node gets its name from ironic_params: learn its UUID once it shows up
        for (const n of mine) if (n.name && !names.has(n.uuid)) names.set(n.uuid, n.name);
        return mine;
      },
      nameOf(uuid) {
        return names.get(uuid) ?? uuid;
      },
      async destroy() {
        for (const n of await fleet.nodes()) await ironic.forceDelete(n.uuid);
      },
    };
    return fleet;
  } catch (err) {
    for (const s of made) await ironic.forceDelete(s.uuid).catch(() => undefined);
    throw err;
  }
}
