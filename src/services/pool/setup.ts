// What a claim writes onto the node besides instance_uuid and extra.bosh, in the same atomic PATCH, so
// the common create_vm path needs no further PATCH before `active`: instance_info for the stemcell and
// the vm_type, and automated_clean (vm_type over config; null keeps Ironic's own). The record keeps what
// was there before (extra.bosh.restore) so releasing the node puts it back.
import type { Config } from "../../config/schema.ts";
import type { Node } from "../../ironic/node-schema.ts";
import { type JsonPatchOp, add } from "../../ironic/patch.ts";
import { type BoshRecord, disksHoldCleaning } from "../../selection/node-record.ts";

/** What a vm_type asks of the deploy itself (vm/cloud-properties.ts validates it). */
export interface DeployChoices {
  root_device?: Record<string, string | number | boolean> | undefined;
  boot_mode?: "uefi" | "bios" | undefined;
  automated_clean?: boolean | undefined;
}

export interface StemcellImage {
  /** URL the conductor (or IPA) downloads the image from. */
  imageUrl: string;
  checksums: { sha256?: string | undefined; sha512?: string | undefined; md5?: string | undefined };
  /** "qcow2" | "raw"; undefined lets Ironic detect it */
  diskFormat: string | undefined;
  size?: number | undefined;
  light?: boolean | undefined;
}

/**
 * instance_info for a whole-disk image. The strongest hash goes into image_os_hash_algo/value (the 2016
 * CPI only knew md5); image_checksum keeps md5 for conductors that read only that key.
 */
export function instanceInfo(image: StemcellImage, props: DeployChoices): Record<string, unknown> {
  const info: Record<string, unknown> = { image_source: image.imageUrl };
  if (image.diskFormat) info["image_disk_format"] = image.diskFormat;
  const { sha256, sha512, md5 } = image.checksums;
  const strong = sha512 ? (["sha512", sha512] as const) : sha256 ? (["sha256", sha256] as const) : undefined;
  if (strong) {
    info["image_os_hash_algo"] = strong[0];
    info["image_os_hash_value"] = strong[1];
  }
  if (md5) info["image_checksum"] = md5;
  if (props.root_device) info["root_device"] = props.root_device;
  if (props.boot_mode) info["capabilities"] = { boot_mode: props.boot_mode };
  return info;
}

export interface NodeSetup {
  instanceInfo: Record<string, unknown>;
  /** Node fields to set (automated_clean). */
  fields: { automated_clean?: boolean };
  /** Record fields to write with the claim (restore). */
  record: Partial<BoshRecord>;
}

/** The claim's view of `node` (as listed: automated_clean and the record's restore are read from it). */
export function nodeSetup(
  node: Pick<Node, "automated_clean" | "extra">,
  image: StemcellImage,
  props: DeployChoices,
  opts: { config: Config; automatedCleanSupported: boolean },
): NodeSetup {
  const previous = ((node.extra?.["bosh"] as BoshRecord | undefined)?.restore ?? {}) as NonNullable<
    BoshRecord["restore"]
  >;
  const restore: NonNullable<BoshRecord["restore"]> = { ...previous };
  const fields: NodeSetup["fields"] = {};
  const clean = props.automated_clean ?? opts.config.automated_clean;
  // A node holding persistent disks keeps the disks service's automated_clean (false): a `provide` from
  // the manageable pool would otherwise run cleaning and erase them.
  const mayClean = opts.automatedCleanSupported && !disksHoldCleaning(node);
  if (clean !== null && mayClean && clean !== (node.automated_clean ?? null)) {
    fields.automated_clean = clean;
    if (!("automated_clean" in previous)) restore.automated_clean = node.automated_clean ?? null;
  }
  return {
    instanceInfo: instanceInfo(image, props),
    fields,
    record: Object.keys(restore).length > 0 ? { restore } : {},
  };
}

/** The JSON-patch of a setup (one `add` per instance_info key, so keys Ironic adds itself survive). */
export function setupOps(s: NodeSetup): JsonPatchOp[] {
  return [
    ...Object.entries(s.instanceInfo).map(([k, v]) => add(["instance_info", k], v)),
    ...Object.entries(s.fields).map(([k, v]) => add(`/${k}`, v)),
  ];
}
