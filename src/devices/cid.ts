// The persistent disk cid: which node holds the disk and which device it is, so that every disk method
// finds its record with ONE `GET /v1/nodes/<uuid>` (the record, keyed by the full cid, holds the device).
//   disk-<node uuid>-<8 hex of sha256(device hint)>-<creation time in ms, base 36>
// The time part makes a cid name one disk, not one device: a device wiped and handed out again gets a new
// cid, so a retried delete_disk or has_disk of the old disk never meets the new one.
// Only letters, digits and "-" (protocol Cid), 58+ characters: the agent's by-id resolver globs
// /dev/disk/by-id/*<cid> (contract §4.5), which needs ≥ 20 characters and matches nothing here — harmless.
import { createHash } from "node:crypto";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const DISK_CID = new RegExp(`^disk-(${UUID})-([0-9a-f]{8})-([0-9a-z]{1,12})$`);

export interface DiskCidParts {
  nodeUuid: string;
  /** 8 hex characters of sha256(device hint); lets an operator see two cids name the same device. */
  deviceTag: string;
  createdMs: number;
}

export function deviceTag(device: string): string {
  return createHash("sha256").update(device, "utf8").digest("hex").slice(0, 8);
}

export function diskCid(nodeUuid: string, device: string, createdAt: Date): string {
  return `disk-${nodeUuid.toLowerCase()}-${deviceTag(device)}-${createdAt.getTime().toString(36)}`;
}

/** undefined for anything this CPI did not make (foreign or legacy cids): such a disk does not exist here. */
export function parseDiskCid(cid: string): DiskCidParts | undefined {
  const m = DISK_CID.exec(cid);
  if (!m) return undefined;
  return { nodeUuid: m[1]!, deviceTag: m[2]!, createdMs: Number.parseInt(m[3]!, 36) };
}
