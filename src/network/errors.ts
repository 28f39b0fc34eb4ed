// The typed error of the network core. Services map it to a Bosh::Clouds::* error (house style §3.5):
// `config` codes come from the CPI configuration (CpiError), the rest from the manifest or the
// node's ports (CloudError). The message always names the network and/or MAC involved.
import { NamedError } from "../errors.ts";

export type NetworkErrorCode =
  | "INVALID_CLOUD_PROPERTIES" // unknown key or bad value in a network's cloud_properties
  | "INVALID_ADDRESS" // netmask not contiguous, family mismatch, missing netmask, bad route
  | "INVALID_PORT" // an Ironic port whose address is not a MAC
  | "MAC_NOT_OWNED" // a pinned MAC that is not one of the server's ports
  | "NIC_CONFLICT" // pins that cannot all hold (bond overlap, MTU disagreement, name clash)
  | "TOO_FEW_NICS" // more unpinned networks than free NICs
  | "UNKNOWN_NETWORK" // a network name (e.g. provisioning_network) not in the networks argument
  | "UNSUPPORTED" // a valid request the target cannot express (e.g. Ironic's bond_mode enum)
  | "CONFIG"; // the CPI configuration itself (loopback range exhausted)

export class NetworkModelError extends NamedError {
  constructor(
    readonly code: NetworkErrorCode,
    message: string,
    readonly details: { network?: string; mac?: string } = {},
  ) {
    super(message);
  }
}
