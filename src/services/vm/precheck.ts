// Everything create_vm can check before it talks to Ironic or the stemcell store: the vm_type, and the
// config drive built for a stand-in server (networks, env, registry decision, size). A mistake in the
// manifest then costs no claim and no rollback, and malformed requests send nothing (the fuzz suite).
// Only what depends on the real server's NICs (a pinned MAC it lacks, too few NICs) waits for the claim.
import type { Config } from "../../config/schema.ts";
import { NetworkModelError, type NetworkErrorCode } from "../../network/index.ts";
import { CpiError } from "../../protocol/errors.ts";
import type { Networks } from "../../protocol/shapes.ts";
import type { CreateVmInput } from "./create.ts";
import { type VmCloudProperties, parseVmCloudProperties } from "./cloud-properties.ts";
import { prepareVmConfigDrive } from "./config-drive.ts";

/** Errors that only the real server's ports can decide. */
const NODE_DEPENDENT = new Set<NetworkErrorCode>(["MAC_NOT_OWNED", "TOO_FEW_NICS", "INVALID_PORT"]);
const STAND_IN = "00000000-0000-4000-8000-000000000000";
/** The server's own ephemeral device is only known once a server is chosen (devices/ephemeral.ts). */
const STAND_IN_EPHEMERAL = "/dev/disk/by-path/stand-in";
const MAC = /\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/gi;

/** Every MAC the networks mention (pins, bonds), plus one spare NIC per network. */
function standInPorts(networks: Networks): { address: string; uuid: string }[] {
  const macs = new Set((JSON.stringify(networks).match(MAC) ?? []).map((m) => m.toLowerCase()));
  const spare = Object.keys(networks).map(
    (_, i) => `02:00:00:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`,
  );
  return [...macs, ...spare].map((address, i) => ({ address, uuid: `stand-in-${i}` }));
}

export function precheckCreateVm(config: Config, input: CreateVmInput): VmCloudProperties {
  const props = parseVmCloudProperties(input.cloudProperties);
  try {
    prepareVmConfigDrive({
      config,
      vmCid: STAND_IN,
      agentId: input.agentId,
      node: { uuid: STAND_IN },
      ports: standInPorts(input.networks),
      networks: input.networks,
      vmCloudProperties: input.cloudProperties,
      env: input.env,
      ...(input.stemcellApiVersion !== undefined ? { stemcellApiVersion: input.stemcellApiVersion } : {}),
      date: new Date(0),
      ephemeralDisk: STAND_IN_EPHEMERAL,
    });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof NetworkModelError) {
      if (NODE_DEPENDENT.has(cause.code)) return props;
      throw new CpiError(`invalid networks: ${cause.message}`, { cause });
    }
    throw err;
  }
  return props;
}
