// What goes into ec2/latest/user-data: the full agent settings, or (for stemcells whose agent still
// fetches settings from a registry) the legacy registry pointer (contract §2.3).
import { NamedError } from "../errors.ts";
import type { Config } from "../config/schema.ts";
import type { AgentNetworks } from "../network/index.ts";

export type UserDataKind = "settings" | "registry";

export interface UserDataChoice {
  kind: UserDataKind;
  /** Why, for the log line. */
  reason: string;
}

export class UserDataError extends NamedError {
  constructor(
    message: string,
    readonly code: "REGISTRY_ENDPOINT_MISSING" | "REGISTRY_STORE_MISSING",
  ) {
    super(message);
  }
}

/**
 * - `always`: registry pointer (an operator running an old-agent fleet).
 * - `never`: full settings, even for an old stemcell: agents >= 2.478 have no registry client and
 *   read settings straight from user-data, while a truly old agent would fail either way without a
 *   registry, so the operator has explicitly opted out of one.
 * - `auto`: registry pointer only for stemcells with api_version < 2. The director leaves
 *   context.vm.stemcell.api_version out for stemcells that declare none, i.e. v1 stemcells, so
 *   an absent version counts as 1.
 */
export function chooseUserData(
  stemcellApiVersion: number | undefined,
  registry: Pick<Config["registry"], "mode" | "endpoint" | "store">,
): UserDataChoice {
  const version = stemcellApiVersion ?? 1;
  if (registry.mode === "never") return { kind: "settings", reason: "registry.mode is never" };
  if (registry.mode === "auto" && version >= 2)
    return { kind: "settings", reason: `stemcell api_version ${version} >= 2` };
  const why =
    registry.mode === "always"
      ? "registry.mode is always"
      : `stemcell api_version ${stemcellApiVersion ?? "(none)"} < 2`;
  if (!registry.endpoint)
    throw new UserDataError(
      `${why}, so the agent needs a registry, but registry.endpoint is not configured (or set registry.mode: never)`,
      "REGISTRY_ENDPOINT_MISSING",
    );
  if (!registry.store)
    throw new UserDataError(
      `${why}, so the agent needs a registry, but registry.store (where its settings are kept, readable only ` +
        `with credentials) is not configured (or set registry.mode: never)`,
      "REGISTRY_STORE_MISSING",
    );
  return { kind: "registry", reason: why };
}

export interface RegistryPointer {
  server: { name: string };
  registry: { endpoint: string };
  dns?: { nameserver: string[] };
  networks: AgentNetworks;
}

/**
 * The 2016 CPI's user-data for registry mode (original-python-cpi.md §9.1): the agent looks up
 * <endpoint>/instances/<server.name>/settings, after configuring `networks` and resolving the
 * registry host through `dns.nameserver` (present only when there are nameservers).
 */
export function registryPointer(
  vmCid: string,
  endpoint: string,
  nameservers: readonly string[],
  networks: AgentNetworks,
): RegistryPointer {
  return {
    server: { name: vmCid },
    registry: { endpoint },
    ...(nameservers.length ? { dns: { nameserver: [...nameservers] } } : {}),
    networks,
  };
}
