// Shared builders for the network unit tests: one server's ports, BOSH networks, the default policy.
import {
  agentNetworks,
  buildNetworkModel,
  networkData,
  NetworkModelError,
  type NetworkPolicy,
  type Port,
} from "../../../src/network/index.ts";
import type { Networks } from "../../../src/protocol/shapes.ts";

export const POLICY: NetworkPolicy = {
  unused_nics: "loopback",
  loopback_base: "127.0.0.100",
  loopback_prefix: 24,
  default_dns: [],
};
export const mac = (n: number) => `52:54:00:00:00:${n.toString(16).padStart(2, "0")}`;
export const ports = (...ns: number[]): Port[] => ns.map((n) => ({ address: mac(n) }));
export const manual = (ip: string, extra: Record<string, unknown> = {}) => ({
  type: "manual" as const,
  ip,
  netmask: "255.255.255.0",
  cloud_properties: {},
  ...extra,
});

export function build(
  networks: Networks,
  p: Port[],
  policy: Partial<NetworkPolicy> = {},
  provisioningNetwork?: string,
) {
  const model = buildNetworkModel({
    networks,
    ports: p,
    policy: { ...POLICY, ...policy },
    ...(provisioningNetwork ? { provisioningNetwork } : {}),
  });
  return { model, agent: agentNetworks(model), nd: networkData(model), warnings: model.warnings };
}

export function fails(fn: () => unknown): NetworkModelError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NetworkModelError) return e;
    throw e;
  }
  throw new Error("expected a NetworkModelError");
}
