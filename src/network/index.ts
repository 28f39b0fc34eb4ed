// The network core's public surface: BOSH networks + Ironic ports + policy -> one model -> the
// agent's networks map, network_data.json, and Ironic node.network_data. Pure.
export { buildNetworkModel } from "./model.ts";
export type { L3Network, NetworkModel, NetworkModelInput, NetworkPolicy } from "./model.ts";
export { agentNetworks } from "./agent-networks.ts";
export type { AgentNetwork, AgentNetworks } from "./agent-networks.ts";
export { networkData, nodeNetworkData } from "./network-data.ts";
export type { NetworkData, NetworkDataLink, NetworkDataNetwork, NetworkDataRoute } from "./network-data.ts";
export { NetworkCloudProperties, BOND_MODES } from "./cloud-properties.ts";
export { NetworkModelError } from "./errors.ts";
export type { NetworkErrorCode } from "./errors.ts";
export type { Port } from "./nics.ts";
