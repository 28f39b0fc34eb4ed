// create_disk: a free, clean device of the right size on the VM's node — or, without a VM (the "disk first"
// flow), on a free server that is reserved for the disk in the same PATCH (instance_uuid + extra.bosh phase
// "reserved"), so that the create_vm naming the disk takes that server over (selection/filters.ts).
// The record and automated_clean=false go in one PATCH: a node never holds a live disk with cleaning on.
import { IronicNodeAssociated } from "../../ironic/errors.ts";
import type { Node } from "../../ironic/node-schema.ts";
import { CloudError, NoDiskSpace, VmNotFound } from "../../protocol/errors.ts";
import { boshRecord } from "../../selection/node-record.ts";
import { uuidV5 } from "../pool/claim-id.ts";
import { diskCid } from "../../devices/cid.ts";
import { type Chosen, chooseDevice, describeRejection } from "../../devices/choice.ts";
import type { DiskCloudProperties } from "./cloud-properties.ts";
import { type DiskDeps, diskNodeFields, readNode, readVmNode } from "./deps.ts";
import { declaredDevices } from "../../devices/node-devices.ts";
import { type DiskRecord, dropDisk, holdCleaningOps, liveRecords, putDisk } from "../../devices/records.ts";

const ATTEMPTS = 3;

/** On the VM's node; NoDiskSpace with every candidate's reason when no device fits. */
export async function createOnVm(
  deps: DiskDeps,
  sizeMib: number,
  props: DiskCloudProperties,
  vmCid: string,
): Promise<string> {
  requireCleaningControl(deps);
  for (let attempt = 1; ; attempt++) {
    const node = await readVmNode(deps, vmCid);
    if (!node) throw new VmNotFound(`VM ${vmCid} not found (no Ironic node is held by it)`);
    const pick = await pickDevice(deps, node, props, sizeMib);
    if (!pick.ok)
      throw new NoDiskSpace(
        `no device for a ${sizeMib} MiB persistent disk on node ${node.uuid}: ` +
          `${pick.reasons.map(describeRejection).join("; ")}`,
        false,
      );
    const cid = diskCid(node.uuid, pick.chosen.device, deps.now());
    await deps.ironic.nodes.patch(node.uuid, [
      putDisk(node, cid, record(deps, pick.chosen, sizeMib, props, vmCid)),
      ...holdCleaningOps(node, deps.now()),
    ]);
    if (await keptDevice(deps, node.uuid, cid)) return logged(deps, cid, node, pick.chosen);
    if (attempt >= ATTEMPTS)
      throw new CloudError(`create_disk lost the device race on node ${node.uuid} ${ATTEMPTS} times; try again`);
  }
}

/** Disk first: a free server with a fitting device, reserved for the disk. */
export async function createReserved(deps: DiskDeps, sizeMib: number, props: DiskCloudProperties): Promise<string> {
  requireCleaningControl(deps);
  const nodes = await deps.ironic.nodes.list({
    provision_state: "available",
    maintenance: false,
    associated: false,
    fields: diskNodeFields(deps),
  });
  const free = nodes
    .filter((n) => liveRecords(n).size === 0 && boshRecord(n) === undefined)
    .sort((a, b) => a.uuid.localeCompare(b.uuid));
  const rejected = new Map<string, number>();
  // Start at a random place so parallel disk-first calls spread instead of racing for the same server.
  const start = free.length > 0 ? Math.floor(Math.random() * free.length) : 0;
  for (const node of [...free.slice(start), ...free.slice(0, start)]) {
    const pick = await pickDevice(deps, node, props, sizeMib);
    if (!pick.ok) {
      for (const { why } of pick.reasons) rejected.set(why, (rejected.get(why) ?? 0) + 1);
      continue;
    }
    const cid = diskCid(node.uuid, pick.chosen.device, deps.now());
    try {
      const reserved = {
        phase: "reserved" as const,
        reservation: `persistent disk ${cid} created without a VM`,
        disk_cids: [cid],
      };
      await deps.claims.claim(node.uuid, uuidV5(`bosh-disk:${cid}`), reserved, [
        putDisk(node, cid, record(deps, pick.chosen, sizeMib, props)),
        ...holdCleaningOps(node, deps.now()),
      ]);
    } catch (err) {
      if (err instanceof IronicNodeAssociated) continue; // another call took this server
      throw err;
    }
    return logged(deps, cid, node, pick.chosen);
  }
  const why = [...rejected].map(([r, n]) => `${n} × ${r}`).join("; ");
  throw new NoDiskSpace(
    `no free server (available, not in maintenance, unclaimed, without persistent disks) has a device for a ` +
      `${sizeMib} MiB disk: ${free.length} free of ${nodes.length} listed${why ? `; devices rejected: ${why}` : ""}`,
    false,
  );
}

async function pickDevice(deps: DiskDeps, node: Node, props: DiskCloudProperties, sizeMib: number) {
  const declared = declaredDevices(node.properties);
  if (declared.problem) deps.log.warn({ node: node.uuid }, declared.problem);
  const hints = props.devices.length > 0 ? props.devices : declared.devices.map((x) => x.device);
  if (hints.length === 0) {
    return {
      ok: false as const,
      reasons: [
        {
          device: "(none)",
          why:
            "no persistent device configured: set disk_type cloud_properties device/devices, " +
            "disks.persistent_devices, or the node's properties.bosh_persistent_devices",
        },
      ],
    };
  }
  const known = hints.every((h) => declared.devices.some((x) => x.device === h && x.capacityMib !== undefined));
  const inventory = known ? undefined : await deps.ironic.nodes.inventoryDisks(node.uuid);
  return chooseDevice({
    node,
    hints,
    sizeMib,
    declared: declared.devices,
    inventory,
    systemDevice: deps.config.disks.system_device,
  });
}

function record(deps: DiskDeps, c: Chosen, sizeMib: number, props: DiskCloudProperties, vmCid?: string): DiskRecord {
  return {
    device: c.device,
    path: c.path,
    size_mib: sizeMib,
    capacity_mib: c.capacityMib ?? null,
    attached: false,
    state: "live",
    metadata: {},
    created_at: deps.now().toISOString(),
    ...(vmCid ? { vm_cid: vmCid } : {}),
    ...(props.name ? { name: props.name } : {}),
  };
}

/**
 * Two create_disk calls on one node may pick the same device (Ironic has no conditional PATCH): re-read, and
 * the older record keeps the device; the younger removes itself and tries again.
 */
async function keptDevice(deps: DiskDeps, uuid: string, cid: string): Promise<boolean> {
  const node = await readNode(deps, uuid);
  const live = node ? liveRecords(node) : new Map<string, DiskRecord>();
  const mine = live.get(cid);
  if (!node || !mine) return false;
  const rivals = [...live].filter(([c, r]) => c !== cid && (r.device === mine.device || r.path === mine.path));
  if (rivals.every(([c, r]) => r.created_at > mine.created_at || (r.created_at === mine.created_at && c > cid)))
    return true;
  deps.log.warn({ node: uuid, device: mine.device }, "another create_disk took the same device; trying the next one");
  await deps.ironic.nodes.patch(uuid, [dropDisk(cid)]);
  return false;
}

function requireCleaningControl(deps: DiskDeps): void {
  if (!deps.ironic.supports("automated_clean")) {
    throw new CloudError(
      "this Ironic's API has no per-node automated_clean (needs 1.47): a persistent disk would be erased by " +
        "cleaning on the next undeploy",
    );
  }
}

function logged(deps: DiskDeps, cid: string, node: Node, c: Chosen): string {
  for (const note of c.notes) deps.log.warn({ node: node.uuid, disk_cid: cid }, note);
  deps.log.info({ node: node.uuid, disk_cid: cid, device: c.device, path: c.path }, "persistent disk created");
  return cid;
}
