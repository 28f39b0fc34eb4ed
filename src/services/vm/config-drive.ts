// Glue for create_vm (and the render-config-drive command): networks + ports -> network model ->
// agent settings / user-data / network_data -> config-2 drive, packed for Ironic. No I/O; the
// only layer here that turns the cores' typed errors into Bosh::Clouds errors.
import * as z from "zod";
import { buildAgentSettings, type AgentSettings, type PathHint } from "../../agent/settings.ts";
import { type UserDataKind, UserDataError, chooseUserData, registryPointer } from "../../agent/user-data.ts";
import { ConfigDriveTooLargeError, buildConfigDrive, configDriveFiles } from "../../configdrive/index.ts";
import type { Config } from "../../config/schema.ts";
import { type IsoFile, IsoLimitError } from "../../iso9660/index.ts";
import {
  type AgentNetworks,
  type NetworkData,
  type Port,
  NetworkModelError,
  agentNetworks,
  buildNetworkModel,
  networkData,
  nodeNetworkData,
} from "../../network/index.ts";
import { describeIssues } from "../../issues.ts";
import { CloudError, CpiError } from "../../protocol/errors.ts";
import { EPHEMERAL_FIX } from "../../devices/ephemeral.ts";
import type { Env, Networks } from "../../protocol/shapes.ts";
import { EphemeralDiskChoice, ProvisioningNetwork } from "./cloud-properties.ts";

/** The two vm_type keys this service reads; the rest of cloud_properties belongs to others. */
const VmDriveProperties = z.looseObject({
  provisioning_network: ProvisioningNetwork.optional(),
  ephemeral_disk: EphemeralDiskChoice.optional(),
});

export interface VmConfigDriveInput {
  config: Config;
  vmCid: string;
  agentId: string;
  node: { uuid: string; name?: string };
  ports: readonly Port[];
  networks: Networks;
  vmCloudProperties: Record<string, unknown>;
  env: Env;
  stemcellApiVersion?: number;
  date: Date;
  persistentDisks?: Record<string, PathHint>;
  /** The server's ephemeral device as devices/ephemeral.ts chose it; without it, the vm_type's or the CPI config's. */
  ephemeralDisk?: string;
}

export interface VmConfigDrive {
  agentSettings: AgentSettings;
  /** Exactly what ec2/latest/user-data holds. */
  userData: string;
  /** "registry": user-data is a registry pointer and agentSettings must be stored in the registry. */
  userDataKind: UserDataKind;
  userDataReason: string;
  /** create_vm's v2 second result. */
  agentNetworks: AgentNetworks;
  networkData: NetworkData;
  nodeNetworkData?: NetworkData;
  files: IsoFile[];
  iso: Uint8Array;
  packed: string;
  /** Accepted but suspicious input; the caller logs these. */
  warnings: string[];
}

/** The config drive's vm_type keys (render-config-drive reads them without the rest of create_vm). */
export function vmDriveProperties(raw: Record<string, unknown>) {
  const r = VmDriveProperties.safeParse(raw, { reportInput: true });
  if (r.success) return r.data;
  const what = describeIssues(r.error.issues, { prefix: "cloud_properties", dottedIndexes: true });
  throw new CpiError(`invalid vm_type ${what}`);
}

const toHint = (h: string | PathHint | undefined): PathHint | undefined => (typeof h === "string" ? { path: h } : h);

/** A request or configuration that is wrong whatever server it lands on: CpiError (as invalid
 *  vm_type cloud_properties are). Facts of this server that contradict it: CloudError. */
const REQUEST_ERRORS = new Set(["INVALID_CLOUD_PROPERTIES", "INVALID_ADDRESS", "UNKNOWN_NETWORK"]);

/** Core errors -> the director's error types, messages naming the network, MAC or size. */
function mapError(err: unknown): unknown {
  if (err instanceof NetworkModelError) {
    if (err.code === "CONFIG") return new CpiError(`CPI network configuration: ${err.message}`, { cause: err });
    return REQUEST_ERRORS.has(err.code)
      ? new CpiError(err.message, { cause: err })
      : new CloudError(err.message, { cause: err });
  }
  if (err instanceof UserDataError) return new CpiError(err.message, { cause: err });
  if (err instanceof ConfigDriveTooLargeError)
    return new CloudError(
      `config drive is ${err.size} bytes packed (gzip+base64), over config_drive.max_packed_bytes ` +
        `(${err.limit}); Ironic keeps inline config drives in its database: shrink env/settings or raise the limit`,
      { cause: err },
    );
  if (err instanceof IsoLimitError)
    return new CloudError(`config drive cannot be written as ISO9660 (${err.code}): ${err.message}`, { cause: err });
  return err;
}

export function prepareVmConfigDrive(input: VmConfigDriveInput): VmConfigDrive {
  try {
    return prepare(input);
  } catch (err) {
    throw mapError(err);
  }
}

function prepare(input: VmConfigDriveInput): VmConfigDrive {
  const { config } = input;
  const props = vmDriveProperties(input.vmCloudProperties);
  const model = buildNetworkModel({
    networks: input.networks,
    ports: input.ports,
    policy: config.network,
    ...(props.provisioning_network ? { provisioningNetwork: props.provisioning_network } : {}),
  });
  const networks = agentNetworks(model);
  // Never settings without an ephemeral disk: the agent would partition the root device and fail
  // (devices/ephemeral.ts).
  const ephemeral = toHint(input.ephemeralDisk ?? props.ephemeral_disk ?? config.disks.ephemeral_device);
  if (!ephemeral)
    throw new CpiError(
      `no ephemeral disk for the agent on server ${input.node.name ?? input.node.uuid}: ${EPHEMERAL_FIX}`,
    );
  const agentSettings = buildAgentSettings({
    agentId: input.agentId,
    vmCid: input.vmCid,
    agent: config.agent,
    networks,
    disks: { system: config.disks.system_device, ephemeral, persistent: input.persistentDisks ?? {} },
    env: input.env,
  });
  const choice = chooseUserData(input.stemcellApiVersion, config.registry);
  const userData =
    choice.kind === "settings"
      ? JSON.stringify(agentSettings)
      : JSON.stringify(registryPointer(input.vmCid, config.registry.endpoint!, model.dns, networks));
  const nd = networkData(model);
  const nodeNd = props.provisioning_network ? nodeNetworkData(model, props.provisioning_network) : undefined;
  const files = configDriveFiles({
    instanceId: input.vmCid,
    name: input.node.name ?? input.node.uuid,
    hostname: input.agentId,
    publicKeys: config.config_drive.public_keys,
    userData,
    networkData: nd,
  });
  const { iso, packed } = buildConfigDrive(files, input.date, config.config_drive.max_packed_bytes);
  return {
    agentSettings,
    userData,
    userDataKind: choice.kind,
    userDataReason: choice.reason,
    agentNetworks: networks,
    networkData: nd,
    ...(nodeNd ? { nodeNetworkData: nodeNd } : {}),
    files,
    iso,
    packed,
    warnings: model.warnings,
  };
}
