// The deploy of a claimed, available node: instance_info from the stemcell and the vm_type, then
// `active` with the config drive inline, waiting with adaptive polling
// (the 2016 CPI polled every 30 s, 40 times). One PATCH carries instance_info and the record's timestamp
// (which restarts the stale-claim clock for the deploy), and re-asserts the claim.
import type { Node } from "../ironic/node-schema.ts";
import { type JsonPatchOp, add } from "../ironic/patch.ts";
import type { VmCloudProperties } from "./vm-cloud-properties.ts";
import { type VmDeps, waitForState } from "./vm-deps.ts";

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
 * instance_info for a whole-disk image (pure). The strongest hash goes into image_os_hash_algo/value (the
 * 2016 CPI only knew md5); image_checksum keeps md5 for conductors that read only that key.
 */
export function instanceInfo(image: StemcellImage, props: Pick<VmCloudProperties, "root_device" | "boot_mode">): Record<string, unknown> {
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

export interface DeployInput {
  image: StemcellImage;
  props: VmCloudProperties;
  /** gzip+base64 config-2 ISO */
  configDrive: string;
  timeoutS: number;
}

/** Deploys and waits for `active`; IronicStateError (deploy failed + last_error) / IronicTimeoutError otherwise. */
export async function deploy(d: VmDeps, node: Node, claim: string, input: DeployInput): Promise<Node> {
  const ops: JsonPatchOp[] = Object.entries(instanceInfo(input.image, input.props)).map(([k, v]) => add(["instance_info", k], v));
  await d.claims.update(node.uuid, claim, {}, ops);
  d.log.info({ node: node.uuid, image: input.image.imageUrl }, "deploying");
  await d.ironic.states.provision(node.uuid, "active", {
    configdrive: input.configDrive,
    ...(input.props.deploy_steps ? { deploy_steps: input.props.deploy_steps } : {}),
  });
  return waitForState(d, node.uuid, ["active"], input.timeoutS, `deploy of node ${node.uuid}`);
}
